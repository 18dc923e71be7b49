using ConnCount.Cluster.Gathering;

namespace ConnCount.Tests.Unit;

public class SingleFlightTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Callers_during_a_run_share_it_and_get_its_result()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        Task<int> Run(string _)
        {
            Interlocked.Increment(ref runs);
            return release.Task;
        }

        var callers = Enumerable.Range(0, 50).Select(_ => flight.RunAsync("stats", Run)).ToList();
        release.SetResult(42);

        Assert.All(await Task.WhenAll(callers).WaitAsync(Bound), r => Assert.Equal(42, r));
        Assert.Equal(1, runs);
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
    public async Task A_failed_run_fails_every_caller_that_shared_it_and_the_next_caller_runs_again()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = flight.RunAsync("stats", _ => release.Task);
        var joined = flight.RunAsync("stats", _ => Task.FromResult(0));
        release.SetException(new InvalidOperationException("no cluster"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(Bound));
        await Assert.ThrowsAsync<InvalidOperationException>(() => joined.WaitAsync(Bound));
        Assert.Equal(7, await flight.RunAsync("stats", _ => Task.FromResult(7)).WaitAsync(Bound));
    }

    [Fact]
    public async Task A_caller_that_gives_up_leaves_the_run_to_the_others()
    {
        var flight = new SingleFlight<string, int>();
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var giveUp = new CancellationTokenSource();
        var starter = flight.RunAsync("stats", _ => release.Task, giveUp.Token);
        var joined = flight.RunAsync("stats", _ => Task.FromResult(0));

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starter.WaitAsync(Bound));
        release.SetResult(42);

        Assert.Equal(42, await joined.WaitAsync(Bound));
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
