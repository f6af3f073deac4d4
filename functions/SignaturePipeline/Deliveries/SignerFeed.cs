using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.Deliveries;

/// <summary>
/// How many signers a window holds, and how they spread over the breakdown keys (states, or one state's ZIP3s).
/// <see cref="Unnamed"/> of them asked not to be named: counted in both, listed nowhere.
/// </summary>
public sealed record WindowTally(long Count, IReadOnlyDictionary<string, long> Breakdown)
{
    public long Unnamed { get; init; }
}

/// <summary>
/// Reads a petition's delivery index (<see cref="SignatureStore.ReadIndexAsync"/>) for a window of commit times:
/// one RowKey range per shard, so the cost follows the window's signers, never the petition's size.
/// <para>Order, which the manifest hash depends on: shard 0 to N−1; within a shard, index rows by RowKey (commit time);
/// within a row, the order of its transaction. Shards are read one after another, not merged by time: a merge would hold a
/// page of every shard at once, and a signer list has no use for a global order that a spreadsheet cannot give it back.</para>
/// </summary>
public sealed class SignerFeed(SignatureStore signatures, IOptions<DeliveryOptions> options)
{
    /// <summary>
    /// The statewide breakdown key of a signer is its ZIP3, otherwise its state. Statewide: a governor, or a custom target
    /// with a state.
    /// </summary>
    public static string BreakdownKey(bool statewide, string state, string zip3) => statewide ? zip3 : state;

    /// <summary>Counts from each index row's tally alone (a few hundred bytes a row): decides "nothing new" and fills the totals page.</summary>
    public async Task<WindowTally> TallyAsync(string petitionId, long fromTicks, long toTicks, string? state, CancellationToken ct)
    {
        long count = 0, unnamed = 0;
        var breakdown = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var shard = 0; shard < signatures.ShardCount; shard++)
        {
            await foreach (var page in signatures.ReadIndexAsync(petitionId, shard, fromTicks, toTicks, 1000, tallyOnly: true, ct).ConfigureAwait(false))
                foreach (var (s, zip3, n, m) in page.SelectMany(row => row.Tally))
                {
                    if (state is not null && s != state) continue;
                    count += n;
                    unnamed += m;
                    var key = BreakdownKey(state is not null, s, zip3);
                    breakdown[key] = breakdown.GetValueOrDefault(key) + n;
                }
        }
        return new WindowTally(count, breakdown) { Unnamed = unnamed };
    }

    /// <summary>
    /// The window's signers, streamed: one page of index rows is parsed while the next is fetched, and nothing else is held.
    /// </summary>
    public async IAsyncEnumerable<IndexedSigner> ReadAsync(string petitionId, long fromTicks, long toTicks, string? state,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // Two pages in flight at most: the store answers the next request while this one is rendered.
        var pages = Channel.CreateBounded<IReadOnlyList<IndexedSigner>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(async () =>
        {
            try
            {
                for (var shard = 0; shard < signatures.ShardCount; shard++)
                {
                    var query = signatures.ReadIndexAsync(petitionId, shard, fromTicks, toTicks, options.Value.PageSize, tallyOnly: false, stop.Token);
                    await foreach (var page in query.ConfigureAwait(false))
                    {
                        var signers = new List<IndexedSigner>();
                        foreach (var row in page)
                        {
                            // The tally says whether a row holds anyone from the state: skip parsing the rest.
                            if (state is not null && !row.Tally.Any(t => t.State == state)) continue;
                            foreach (var signer in row.ReadSigners())
                                if (state is null || signer.State == state) signers.Add(signer);
                        }
                        if (signers.Count > 0) await pages.Writer.WriteAsync(signers, stop.Token).ConfigureAwait(false);
                    }
                }
                pages.Writer.Complete();
            }
            catch (Exception e)
            {
                pages.Writer.Complete(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var page in pages.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                foreach (var signer in page)
                    yield return signer;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await producer.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }
}
