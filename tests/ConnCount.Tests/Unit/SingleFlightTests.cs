using ConnCount.Cluster.Gathering;

namespace ConnCount.Tests.Unit;

public class SingleFlightTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Callers_during_a_run_share_the_next_run_which_starts_when_it_ends()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        async Task<int> Run(string _)
        {
            var run = Interlocked.Increment(ref runs);
            await release.Task;
            return run;
        }

        var first = flight.RunAsync("stats", Run);
        var during = Enumerable.Range(0, 50).Select(_ => flight.RunAsync("stats", Run)).ToList();
        // Nobody who arrived during run 1 may be answered by it: its work began before they asked.
        Assert.Equal(1, runs);
        release.SetResult();

        Assert.Equal(1, await first.WaitAsync(Bound));
        Assert.All(await Task.WhenAll(during).WaitAsync(Bound), r => Assert.Equal(2, r));
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task A_run_never_answers_a_caller_who_arrived_after_it_started()
    {
        var flight = new SingleFlight<string, long>();
        long writes = 0;
        async Task<long> Read(string _)
        {
            var seen = Interlocked.Read(ref writes);
            await Task.Delay(1);
            return seen;
        }

        // Each caller writes, then asks: its answer must include its own write.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var mine = Interlocked.Increment(ref writes);
                Assert.True(await flight.RunAsync("stats", Read).WaitAsync(Bound) >= mine);
            }
        })));
    }

    [Fact]
    public async Task A_caller_after_a_run_ended_starts_a_new_one()
    {
        var flight = new SingleFlight<string, int>();
        var runs = 0;
        Task<int> Run(string _) => Task.FromResult(Interlocked.Increment(ref runs));

        Assert.Equal(1, await flight.RunAsync("stats", Run).WaitAsync(Bound));
        Assert.Equal(2, await flight.RunAsync("stats", Run).WaitAsync(Bound));
    }

    [Fact]
    public async Task Different_keys_run_apart()
    {
        var flight = new SingleFlight<string, string>(StringComparer.Ordinal);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<string> Run(string key)
        {
            await release.Task;
            return key;
        }

        var a = flight.RunAsync("a", Run);
        var b = flight.RunAsync("b", Run);
        release.SetResult();

        Assert.Equal(["a", "b"], await Task.WhenAll(a, b).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_failed_run_fails_its_callers_and_the_callers_waiting_for_the_next_run_get_that_one()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = flight.RunAsync("stats", _ => release.Task);
        var next = flight.RunAsync("stats", _ => Task.FromResult(5));
        release.SetException(new InvalidOperationException("no cluster"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(Bound));
        Assert.Equal(5, await next.WaitAsync(Bound));
        Assert.Equal(7, await flight.RunAsync("stats", _ => Task.FromResult(7)).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_caller_that_gives_up_leaves_the_runs_to_the_others()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var giveUp = new CancellationTokenSource();
        var starter = flight.RunAsync("stats", _ => release.Task, giveUp.Token);
        var next = flight.RunAsync("stats", _ => Task.FromResult(3));

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starter.WaitAsync(Bound));
        release.SetResult(42);

        Assert.Equal(3, await next.WaitAsync(Bound));
    }

    [Fact]
    public async Task The_starter_runs_the_work_on_its_own_thread_before_returning()
    {
        var flight = new SingleFlight<string, int>();
        var caller = Environment.CurrentManagedThreadId;
        var ranOn = -1;

        var result = flight.RunAsync("stats", _ =>
        {
            ranOn = Environment.CurrentManagedThreadId;
            return Task.FromResult(1);
        });

        Assert.Equal(caller, ranOn);
        Assert.Equal(1, await result.WaitAsync(Bound));
    }
}
