using Microsoft.Extensions.Time.Testing;
using SignaturePipeline.Storage;

namespace SignaturePipeline.Tests.Storage;

public sealed class GroupCommitTests
{
    private sealed class Recorder
    {
        public readonly List<string[]> Transactions = [];
        public TaskCompletionSource FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource ReleaseFirst { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<IReadOnlyList<string>> CommitAsync(string partition, IReadOnlyList<string> items)
        {
            lock (Transactions) Transactions.Add([.. items]);
            if (FirstStarted.TrySetResult()) await ReleaseFirst.Task;
            return items.Select(i => $"{partition}:{i}").ToList();
        }
    }

    [Fact]
    public async Task Callers_arriving_while_a_transaction_is_in_flight_share_the_next_one_and_get_their_own_results_in_order()
    {
        var recorder = new Recorder();
        var commits = new GroupCommit<string, string>(100, _ => 1, i => i, recorder.CommitAsync);

        var first = commits.SubmitAsync("p", ["a"], CancellationToken.None);
        await recorder.FirstStarted.Task;
        var second = commits.SubmitAsync("p", ["b", "c"], CancellationToken.None);
        var third = commits.SubmitAsync("p", ["d"], CancellationToken.None);
        recorder.ReleaseFirst.SetResult();

        Assert.Equal(["p:a"], await first);
        Assert.Equal(["p:b", "p:c"], await second);
        Assert.Equal(["p:d"], await third);
        Assert.Equal([["a"], ["b", "c", "d"]], recorder.Transactions);
    }

    [Fact]
    public async Task A_quiet_partition_commits_at_once_whatever_the_linger()
    {
        var recorder = new Recorder();
        recorder.ReleaseFirst.SetResult();
        var commits = new GroupCommit<string, string>(100, _ => 1, i => i, recorder.CommitAsync, linger: TimeSpan.FromSeconds(30));

        var result = await commits.SubmitAsync("p", ["a"], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["p:a"], result);
    }

    [Fact]
    public async Task Under_sustained_load_writers_arriving_a_moment_apart_share_one_transaction()
    {
        // Time is the fake's: CI once took longer than a real 500 ms linger between two submits.
        var time = new FakeTimeProvider();
        var recorder = new Recorder();
        recorder.ReleaseFirst.SetResult();
        var linger = TimeSpan.FromMilliseconds(25);
        var commits = new GroupCommit<string, string>(100, _ => 1, i => i, recorder.CommitAsync, linger, time);

        await commits.SubmitAsync("p", ["a"], CancellationToken.None); // quiet before: at once
        var b = commits.SubmitAsync("p", ["b"], CancellationToken.None); // just committed: waits the linger
        await Task.Delay(50); // real time, in which a drain that did not linger would take "b" alone
        time.Advance(linger / 5);
        var c = commits.SubmitAsync("p", ["c"], CancellationToken.None);
        var both = Task.WhenAll(b, c);
        for (var step = 0; step < 1000 && !both.IsCompleted; step++)
        {
            time.Advance(linger / 5);
            await Task.WhenAny(both, Task.Delay(10));
        }
        await both.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([["a"], ["b", "c"]], recorder.Transactions);
    }

    [Fact]
    public async Task A_transaction_never_exceeds_its_operations_nor_names_a_row_twice()
    {
        var recorder = new Recorder();
        var commits = new GroupCommit<string, string>(3, i => i.StartsWith("big", StringComparison.Ordinal) ? 2 : 1, i => i[^1..], recorder.CommitAsync);

        var blocker = commits.SubmitAsync("p", ["x0"], CancellationToken.None);
        await recorder.FirstStarted.Task;
        // "a1" and "b1" name the same row (1); "big2" costs two of the three operations.
        var waiting = commits.SubmitAsync("p", ["a1", "b1", "big2", "c3"], CancellationToken.None);
        recorder.ReleaseFirst.SetResult();
        await blocker;

        Assert.Equal(["p:a1", "p:b1", "p:big2", "p:c3"], await waiting);
        Assert.All(recorder.Transactions, t => Assert.Equal(t.Length, t.Select(i => i[^1]).Distinct().Count()));
        Assert.Equal([["x0"], ["a1", "big2"], ["b1", "c3"]], recorder.Transactions);
    }

    [Fact]
    public async Task A_failed_transaction_fails_each_of_its_callers_and_the_next_partition_work_still_runs()
    {
        var calls = 0;
        var commits = new GroupCommit<string, string>(100, _ => 1, i => i, (_, items) =>
            Interlocked.Increment(ref calls) == 1
                ? Task.FromException<IReadOnlyList<string>>(new InvalidOperationException("storage down"))
                : Task.FromResult<IReadOnlyList<string>>(items.ToList()));

        await Assert.ThrowsAsync<InvalidOperationException>(() => commits.SubmitAsync("p", ["a"], CancellationToken.None));
        Assert.Equal(["b"], await commits.SubmitAsync("p", ["b"], CancellationToken.None));
    }
}
