using System.Diagnostics;
using ConnCount.LoadGen.Phoenix;
using ConnCount.LoadGen.Workload;

namespace ConnCount.LoadGen.Modes;

/// <summary>Workers loop connect, join, leave, close until the duration is up.</summary>
internal sealed class CycleMode : ILoadMode
{
    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Options.EffectiveDuration);

        await Workers.RunAsync(run.Options.Concurrency, run.Options.Seed, async (_, random) =>
        {
            while (!deadline.IsCancellationRequested)
            {
                var cycleStart = Stopwatch.GetTimestamp();
                var connection = await run.OpenAsync(cancellationToken);
                if (connection is null)
                {
                    Interlocked.Increment(ref run.Counters.CycleFailures);
                    continue;
                }

                var topic = run.Sampler.Next(random);
                var ok = await connection.JoinAsync(topic, cancellationToken) == ReplyOutcome.Ok
                    && await connection.LeaveAsync(topic, cancellationToken) == ReplyOutcome.Ok;
                await connection.CloseAsync(cancellationToken);

                if (ok)
                {
                    Interlocked.Increment(ref run.Counters.Cycles);
                    run.Latencies.Cycle.RecordSince(cycleStart);
                }
                else
                {
                    Interlocked.Increment(ref run.Counters.CycleFailures);
                }
            }
        });

        return new ModeOutcome("cycles", Volatile.Read(ref run.Counters.Cycles), Stopwatch.GetElapsedTime(start));
    }
}
