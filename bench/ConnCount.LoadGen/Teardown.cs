using System.Diagnostics;
using ConnCount.LoadGen.Workload;

namespace ConnCount.LoadGen;

/// <summary>Closes every socket still open at the end of a run: by handshake normally, by abort when interrupted.</summary>
internal static class Teardown
{
    public static async Task RunAsync(RunContext run, bool graceful, CancellationToken cancellationToken)
    {
        var open = run.Registry.Snapshot();
        if (open.Length == 0)
        {
            return;
        }

        var start = Stopwatch.GetTimestamp();
        await Workers.ForEachAsync(open.Length, run.Options.Concurrency, run.Options.Seed, async (i, _) =>
        {
            if (graceful)
            {
                await open[i].CloseAsync(cancellationToken);
            }
            else
            {
                open[i].Abort();
            }
        });
        Console.Error.WriteLine($"teardown: {(graceful ? "closed" : "aborted")} {open.Length} sockets in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
    }
}
