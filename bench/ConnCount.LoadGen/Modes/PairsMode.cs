using System.Diagnostics;
using ConnCount.LoadGen.Phoenix;

namespace ConnCount.LoadGen.Modes;

/// <summary>
/// On K open sockets, each bound to one topic, keeps W join/leave pairs in flight per socket until the
/// duration is up. Every pair nets zero, so the ledger should end where it started.
/// </summary>
internal sealed class PairsMode : ILoadMode
{
    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        var slots = new PhoenixConnection?[run.Options.Sockets];
        var ramp = await SocketRamp.FillAsync(run, slots, joinsPerSocket: 0, cancellationToken);
        Console.Error.WriteLine($"pairs: {slots.Count(s => s is not null)} sockets open after {ramp.TotalSeconds:F1} s; {run.Options.Window} pairs in flight each");

        var random = new Random(run.Options.Seed);
        var start = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Options.EffectiveDuration);

        var lanes = new List<Task>();
        foreach (var connection in slots)
        {
            if (connection is null)
            {
                continue;
            }

            var topic = run.Sampler.Next(random);
            for (var lane = 0; lane < run.Options.Window; lane++)
            {
                lanes.Add(Task.Run(() => RunLaneAsync(run, connection, topic, deadline.Token, cancellationToken), CancellationToken.None));
            }
        }

        await Task.WhenAll(lanes);
        return new ModeOutcome("pairs", Volatile.Read(ref run.Counters.Pairs), Stopwatch.GetElapsedTime(start));
    }

    private static async Task RunLaneAsync(RunContext run, PhoenixConnection connection, int topic, CancellationToken deadline, CancellationToken cancellationToken)
    {
        while (!deadline.IsCancellationRequested && connection.IsAlive)
        {
            // The run token, not the deadline: a pair already sent is waited for, so it is counted whole.
            var outcome = await connection.JoinLeavePairAsync(topic, cancellationToken);
            Interlocked.Increment(ref outcome == ReplyOutcome.Ok ? ref run.Counters.Pairs : ref run.Counters.PairFailures);
        }
    }
}
