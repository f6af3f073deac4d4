using System.Globalization;
using System.Text;
using SkiaSharp;

namespace SignaturePipeline.Deliveries;

/// <summary>
/// The typefaces embedded in this assembly (Deliveries/Fonts, licenses beside them). Loaded once per process: a typeface
/// is immutable and safe to share; the <see cref="SKFont"/>s made from it are per document.
/// </summary>
internal static class PdfFonts
{
    private static readonly Lazy<(SKTypeface Sans, SKTypeface SansBold, SKTypeface Serif, SKTypeface SerifBold, SKTypeface Cjk)> Faces = new(() =>
        (Load("DejaVuSans.ttf"), Load("DejaVuSans-Bold.ttf"), Load("DejaVuSerif.ttf"), Load("DejaVuSerif-Bold.ttf"), Load("DroidSansFallbackFull.ttf")));

    private static SKTypeface Load(string file)
    {
        var name = "SignaturePipeline.Fonts." + file;
        using var stream = typeof(PdfFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Font resource {name} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        // SKData owns a copy of the bytes: the typeface must outlive any managed stream.
        return SKTypeface.FromData(SKData.CreateCopy(copy.ToArray()))
            ?? throw new InvalidOperationException($"Font {file} could not be loaded.");
    }

    /// <summary>
    /// A chain that draws each character with the first face that has it: the style's own face, then DejaVu Sans (for a
    /// serif face: its wider coverage), then Droid Sans Fallback (CJK).
    /// </summary>
    public static FontChain Sans(float size) => new(size, Faces.Value.Sans, Faces.Value.Cjk);

    public static FontChain SansBold(float size) => new(size, Faces.Value.SansBold, Faces.Value.Sans, Faces.Value.Cjk);

    public static FontChain Serif(float size) => new(size, Faces.Value.Serif, Faces.Value.Sans, Faces.Value.Cjk);

    public static FontChain SerifBold(float size) => new(size, Faces.Value.SerifBold, Faces.Value.Serif, Faces.Value.Sans, Faces.Value.Cjk);
}

/// <summary>Measures, wraps and draws text with per-character font fallback.</summary>
internal sealed class FontChain : IDisposable
{
    private readonly SKFont[] _fonts;

    public FontChain(float size, params SKTypeface[] faces)
    {
        _fonts = faces.Select(f => new SKFont(f, size) { Subpixel = true, LinearMetrics = true }).ToArray();
        _glyphs = _fonts.Select(_ => new ushort[CacheLimit]).ToArray();
        _advances = _fonts.Select(_ => new float[CacheLimit]).ToArray();
        _known = _fonts.Select(_ => new bool[CacheLimit]).ToArray();
        Size = size;
        _fonts[0].GetFontMetrics(out var metrics);
        Ascent = -metrics.Ascent;
        LineHeight = (float)Math.Ceiling(size * 1.32f * 10) / 10;
    }

    public float Size { get; }

    /// <summary>Distance from the top of a line box to its baseline.</summary>
    public float Ascent { get; }

    public float LineHeight { get; }

    private readonly record struct Run(int Start, int Length, int Face);

    // Glyph ids and advances of the first 12,288 code points (Latin, Greek, Cyrillic, …, symbols), per face, filled on
    // first use. Measuring, wrapping and adding a million signers' names to a PDF then needs no native call per cell:
    // the list renders about twice as fast. CJK and astral characters take the native path.
    private const int CacheLimit = 0x3000;
    private readonly ushort[][] _glyphs;
    private readonly float[][] _advances;
    private readonly bool[][] _known;

    private static bool Cacheable(char c) => c < CacheLimit && !char.IsSurrogate(c);

    private ushort Glyph(int face, char c)
    {
        if (!_known[face][c])
        {
            var glyph = _fonts[face].GetGlyph(c);
            _glyphs[face][c] = glyph;
            _advances[face][c] = glyph == 0 ? 0 : _fonts[face].MeasureText(c.ToString());
            _known[face][c] = true;
        }
        return _glyphs[face][c];
    }

    private bool Has(int face, int codePoint) =>
        codePoint < CacheLimit && !char.IsSurrogate((char)codePoint) ? Glyph(face, (char)codePoint) != 0 : _fonts[face].ContainsGlyph(codePoint);

    private void Runs(string text, List<Run> runs)
    {
        runs.Clear();
        if (text.Length == 0) return;
        // Nearly every signer is covered by the first face: one run.
        var primary = true;
        foreach (var c in text)
            if (!Cacheable(c) || Glyph(0, c) == 0) { primary = false; break; }
        if (primary)
        {
            runs.Add(new Run(0, text.Length, 0));
            return;
        }
        var current = -1;
        var start = 0;
        for (var i = 0; i < text.Length;)
        {
            var rune = Rune.GetRuneAt(text, i);
            // Stay in the current face while it has the character (spaces and punctuation do not split a CJK run).
            var face = current >= 0 && Has(current, rune.Value) ? current : Pick(rune.Value);
            if (face != current)
            {
                if (current >= 0) runs.Add(new Run(start, i - start, current));
                current = face;
                start = i;
            }
            i += rune.Utf16SequenceLength;
        }
        runs.Add(new Run(start, text.Length - start, current));
    }

    private int Pick(int codePoint)
    {
        for (var face = 0; face < _fonts.Length; face++)
            if (Has(face, codePoint)) return face;
        return 0;
    }

    private float Width(string text, Run run)
    {
        var chars = text.AsSpan(run.Start, run.Length);
        float width = 0;
        foreach (var c in chars)
        {
            if (!Cacheable(c)) return _fonts[run.Face].MeasureText(chars);
            Glyph(run.Face, c);
            width += _advances[run.Face][c];
        }
        return width;
    }

    [ThreadStatic] private static List<Run>? _scratch;

    public float Measure(string text)
    {
        var runs = _scratch ??= [];
        Runs(text, runs);
        float width = 0;
        foreach (var run in runs) width += Width(text, run);
        return width;
    }

    public void Draw(SKCanvas canvas, string text, float x, float baseline, SKPaint paint)
    {
        var runs = _scratch ??= [];
        Runs(text, runs);
        if (runs.Count == 1)
        {
            canvas.DrawText(text, x, baseline, SKTextAlign.Left, _fonts[runs[0].Face], paint);
            return;
        }
        foreach (var run in runs.ToArray())
        {
            canvas.DrawText(text.Substring(run.Start, run.Length), x, baseline, SKTextAlign.Left, _fonts[run.Face], paint);
            x += Width(text, run);
        }
    }

    /// <summary>
    /// Adds the text's glyph runs to a text blob instead of drawing it: the signer list draws a page's text in one call,
    /// which is about twice as fast in SkiaSharp's PDF backend as a call per cell, and makes a smaller file.
    /// </summary>
    public void AddRuns(SKTextBlobBuilder builder, string text, float x, float baseline)
    {
        if (text.Length == 0) return;
        var runs = _scratch ??= [];
        Runs(text, runs);
        var glyphs = new ushort[text.Length].AsSpan();
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var font = _fonts[run.Face];
            var chars = text.AsSpan(run.Start, run.Length);
            Span<ushort> span;
            if (chars.IndexOfAnyInRange((char)CacheLimit, char.MaxValue) < 0)
            {
                span = glyphs[..chars.Length];
                for (var k = 0; k < chars.Length; k++) span[k] = Glyph(run.Face, chars[k]);
            }
            else
            {
                span = glyphs[..font.CountGlyphs(chars)];
                font.GetGlyphs(chars, span);
            }
            builder.AddRun(span, font, new SKPoint(x, baseline));
            if (i + 1 < runs.Count) x += Width(text, run);
        }
    }

    public void DrawRight(SKCanvas canvas, string text, float right, float baseline, SKPaint paint) =>
        Draw(canvas, text, right - Measure(text), baseline, paint);

    /// <summary>Lines no wider than <paramref name="width"/>: at spaces where it can, between characters where a word is too long.</summary>
    public List<string> Wrap(string text, float width)
    {
        var lines = new List<string>(1);
        foreach (var paragraph in text.Split('\n'))
        {
            if (Measure(paragraph) <= width)
            {
                lines.Add(paragraph);
                continue;
            }
            var line = "";
            foreach (var word in paragraph.Split(' '))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (Measure(candidate) <= width)
                {
                    line = candidate;
                    continue;
                }
                if (line.Length > 0) lines.Add(line);
                line = "";
                if (Measure(word) <= width)
                {
                    line = word;
                    continue;
                }
                // A word (or a run of CJK, which has no spaces) wider than the column: break between grapheme clusters.
                var index = 0;
                while (index < word.Length)
                {
                    var length = StringInfo.GetNextTextElementLength(word, index);
                    var next = string.Concat(line, word.AsSpan(index, length));
                    if (line.Length > 0 && Measure(next) > width)
                    {
                        lines.Add(line);
                        line = word.Substring(index, length);
                    }
                    else line = next;
                    index += length;
                }
            }
            lines.Add(line);
        }
        return lines;
    }

    /// <summary>The text cut to fit, with an ellipsis: for footers and headers that must stay on one line.</summary>
    public string Fit(string text, float width)
    {
        if (Measure(text) <= width) return text;
        var cut = text.Length;
        while (cut > 0 && Measure(text[..cut] + "…") > width) cut -= char.IsLowSurrogate(text[cut - 1]) && cut > 1 ? 2 : 1;
        return text[..cut].TrimEnd() + "…";
    }

    public void Dispose()
    {
        foreach (var font in _fonts) font.Dispose();
    }
}
