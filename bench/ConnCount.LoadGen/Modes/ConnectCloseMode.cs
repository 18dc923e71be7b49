using System.Diagnostics;
using ConnCount.LoadGen.Workload;

namespace ConnCount.LoadGen.Modes;

/// <summary>Workers loop a bare connect and a handshake close until the duration is up: the transport's own cost.</summary>
internal sealed class ConnectCloseMode : ILoadMode
{
    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Options.EffectiveDuration);

        await Workers.RunAsync(run.Options.Concurrency, run.Options.Seed, async (_, _) =>
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

                await connection.CloseAsync(cancellationToken);
                Interlocked.Increment(ref run.Counters.Cycles);
                run.Latencies.Cycle.RecordSince(cycleStart);
            }
        });

        return new ModeOutcome("cycles", Volatile.Read(ref run.Counters.Cycles), Stopwatch.GetElapsedTime(start));
    }
}
