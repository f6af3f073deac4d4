namespace SignaturePipeline.Abuse;

/// <summary>
/// Counts keys over a sliding window of <c>period</c> in memory that never grows: two generations (this period and the
/// last), each a fixed table of exact counters with a count-min sketch behind it. A rolled generation is cleared and
/// reused whole, so eviction costs nothing per request. Past the table's capacity (more distinct keys in one period than
/// any real surge brings) keys are counted by the sketch, which can over-count but never under-counts: filling the table
/// cannot hide a source from its limit, and the price of a flood that large is that some quiet sources are held, not lost.
/// Not thread-safe: <see cref="AbuseGuard"/> serializes calls.
/// </summary>
internal sealed class RateWindow(TimeSpan period, int tableBits, int sketchBits)
{
    private readonly long _periodMs = (long)period.TotalMilliseconds;
    private Generation? _current;
    private Generation? _previous;

    /// <summary>Set when the current generation's table first overflows into its sketch; cleared by whoever reports it.</summary>
    public bool Overflowed { get; set; }

    /// <summary>Most keys counted exactly in one period.</summary>
    public int Capacity => Generation.CapacityOf(tableBits);

    /// <summary>
    /// Counts one hit on <paramref name="key"/> and returns the sliding estimate including it: this period's count plus
    /// the last period's, weighted by how much of it the sliding window still covers. A fixed window would let a flood
    /// timed across its boundary through twice.
    /// </summary>
    public double Hit(ulong key, long nowMs)
    {
        var current = Roll(nowMs / _periodMs);
        var count = current.Add(key);
        if (current.JustOverflowed)
        {
            current.JustOverflowed = false;
            Overflowed = true;
        }
        var previous = _previous is { } p && p.Index == current.Index - 1 ? p.Get(key) : 0;
        var elapsed = Math.Clamp((nowMs - current.Index * _periodMs) / (double)_periodMs, 0, 1);
        return count + previous * (1 - elapsed);
    }

    private Generation Roll(long index)
    {
        if (_current is null)
        {
            _current = new Generation(tableBits, sketchBits);
            _current.Reset(index);
            return _current;
        }
        // A clock stepping back stays in the current period rather than reopening one already counted.
        if (index <= _current.Index) return _current;
        var recycled = _previous ?? new Generation(tableBits, sketchBits);
        _previous = _current;
        _current = recycled;
        _current.Reset(index);
        return _current;
    }

    private sealed class Generation
    {
        private const int SketchRows = 4;
        private const int MaxProbes = 32;

        // Odd multipliers for multiply-shift hashing: each sketch row reads a different mix of the key's bits.
        private static readonly ulong[] RowMultipliers = [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93];

        private readonly ulong[] _keys;
        private readonly int[] _counts;
        private readonly int[] _sketch;
        private readonly int _tableMask;
        private readonly int _capacity;
        private readonly int _sketchShift;
        private readonly int _sketchWidth;
        private int _used;
        private bool _sketchUsed;

        public Generation(int tableBits, int sketchBits)
        {
            _keys = new ulong[1 << tableBits];
            _counts = new int[1 << tableBits];
            _tableMask = (1 << tableBits) - 1;
            _capacity = CapacityOf(tableBits);
            _sketchWidth = 1 << sketchBits;
            _sketchShift = 64 - sketchBits;
            _sketch = new int[SketchRows * _sketchWidth];
        }

        public long Index { get; private set; }
        public bool JustOverflowed { get; set; }

        // Linear probing stays short up to three quarters full.
        public static int CapacityOf(int tableBits) => (1 << tableBits) / 4 * 3;

        public void Reset(long index)
        {
            Index = index;
            if (_used > 0)
            {
                Array.Clear(_keys);
                Array.Clear(_counts);
                _used = 0;
            }
            if (_sketchUsed)
            {
                Array.Clear(_sketch);
                _sketchUsed = false;
            }
            JustOverflowed = false;
        }

        public int Add(ulong key)
        {
            // Slots are never freed within a generation, so a key that once went to the sketch always goes there.
            var slot = (int)key & _tableMask;
            for (var probe = 0; probe < MaxProbes; probe++, slot = (slot + 1) & _tableMask)
            {
                if (_keys[slot] == key) return ++_counts[slot];
                if (_keys[slot] != 0) continue;
                if (_used >= _capacity) break;
                _keys[slot] = key;
                _used++;
                return _counts[slot] = 1;
            }
            return AddToSketch(key);
        }

        public int Get(ulong key)
        {
            var slot = (int)key & _tableMask;
            for (var probe = 0; probe < MaxProbes; probe++, slot = (slot + 1) & _tableMask)
            {
                if (_keys[slot] == key) return _counts[slot];
                if (_keys[slot] == 0) break;
            }
            return _sketchUsed ? SketchEstimate(key) : 0;
        }

        private int SketchEstimate(ulong key)
        {
            var min = int.MaxValue;
            for (var row = 0; row < SketchRows; row++) min = Math.Min(min, _sketch[Cell(key, row)]);
            return min;
        }

        /// <summary>Conservative update: only the cells at the key's minimum rise, which keeps over-counting low.</summary>
        private int AddToSketch(ulong key)
        {
            if (!_sketchUsed)
            {
                _sketchUsed = true;
                JustOverflowed = true;
            }
            var estimate = SketchEstimate(key);
            var next = estimate == int.MaxValue ? estimate : estimate + 1;
            for (var row = 0; row < SketchRows; row++)
            {
                ref var cell = ref _sketch[Cell(key, row)];
                if (cell < next) cell = next;
            }
            return next;
        }

        private int Cell(ulong key, int row) => row * _sketchWidth + (int)((key * RowMultipliers[row]) >> _sketchShift);
    }
}
