using System.Net;

namespace ConnCount.GatherBench;

/// <summary>
/// The sequential latency runs (nats, http, paired): warm-up iterations, then timed ones, and for each mode the
/// latencies of the answers that came back whole and a count of the errors and timeouts.
/// </summary>
internal sealed class TimedSeries(int capacity)
{
    public LatencySamples Samples { get; } = new(capacity);

    public long Errors { get; private set; }

    public long Timeouts { get; private set; }

    /// <summary>A gather that got <paramref name="replies"/> (-1 a NATS error, fewer than <paramref name="nodes"/> a timeout).</summary>
    public void AddGather(int replies, int nodes, TimeSpan elapsed)
    {
        if (replies < 0)
        {
            Errors++;
        }
        else if (replies < nodes)
        {
            Timeouts++;
        }
        else
        {
            Samples.Add(elapsed);
        }
    }

    /// <summary>A GET that answered <paramref name="status"/> (0 a timeout).</summary>
    public void AddHttp(HttpStatusCode status, TimeSpan elapsed)
    {
        if (status == 0)
        {
            Timeouts++;
        }
        else if (status != HttpStatusCode.OK)
        {
            Errors++;
        }
        else
        {
            Samples.Add(elapsed);
        }
    }

    /// <summary>
    /// Runs <paramref name="step"/> for --warmup iterations (negative indexes, not to be recorded) and --iterations
    /// timed ones (from 0), with a pause between the two.
    /// </summary>
    public static async Task RunAsync(GatherOptions options, Func<int, Task> step, CancellationToken cancellationToken)
    {
        for (var i = -options.Warmup; i < options.Iterations; i++)
        {
            if (i == 0 && options.Warmup > 0)
            {
                // Tiered compilation finishes in the background: give it a moment before the timed requests.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            await step(i);
        }
    }
}
