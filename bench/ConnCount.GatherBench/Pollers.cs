using System.Diagnostics;
using System.Net;
using NATS.Client.Core;

namespace ConnCount.GatherBench;

/// <summary>
/// Many concurrent HTTP pollers against <c>GET /api/stats</c>. First a burst: every poller's request released
/// at once, to show that concurrent requests share a gather. Then a sustained run for the duration, counting
/// requests per second and the gathers seen on NATS meanwhile.
/// </summary>
internal static class Pollers
{
    public static async Task<GatherReport> RunAsync(GatherOptions options, CancellationToken cancellationToken)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = options.NatsUrl, Name = "conncount-gatherbench" });
        await nats.ConnectAsync();
        await using var gathers = await GatherCounter.StartAsync(nats, cancellationToken);
        using var client = StatsHttp.CreateClient(options, options.Pollers);

        // Open every connection first, so the burst measures requests, not TCP handshakes.
        await Task.WhenAll(Enumerable.Range(0, options.Pollers).Select(_ => StatsHttp.GetAsync(client, options.StatsUrl, false, cancellationToken)));
        await Task.Delay(200, cancellationToken);

        var (status, size) = await StatsHttp.GetAsync(client, options.StatsUrl, readClusterSize: true, cancellationToken);
        if (status != HttpStatusCode.OK || (options.Nodes > 0 && size != options.Nodes))
        {
            throw new InvalidOperationException($"GET {options.StatsUrl} answered {(int)status} with cluster_size {size}; expected 200 and {options.Nodes}.");
        }

        var burst = await BurstAsync(client, options, gathers, cancellationToken);

        var errors = 0L;
        var timeouts = 0L;
        var measuring = 0;
        var requests = 0L;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var perPoller = new LatencySamples[options.Pollers];
        var loops = Enumerable.Range(0, options.Pollers).Select(p => Task.Run(async () =>
        {
            var samples = perPoller[p] = new LatencySamples();
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                var (code, _) = await StatsHttp.GetAsync(client, options.StatsUrl, false, CancellationToken.None);
                if (Volatile.Read(ref measuring) == 0)
                {
                    continue;
                }

                if (code == HttpStatusCode.OK)
                {
                    samples.Add(Stopwatch.GetElapsedTime(start));
                    Interlocked.Increment(ref requests);
                }
                else if (code == 0)
                {
                    Interlocked.Increment(ref timeouts);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }, CancellationToken.None)).ToArray();

        // A second to reach a steady state, then the measured window.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var gathersBefore = gathers.Seen;
        var windowStart = Stopwatch.GetTimestamp();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(options.Duration, cancellationToken);
        Volatile.Write(ref measuring, 0);
        var window = Stopwatch.GetElapsedTime(windowStart);
        var windowGathers = gathers.Seen - gathersBefore;
        var served = Interlocked.Read(ref requests);
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        var all = new LatencySamples(checked((int)Math.Min(served + 16, int.MaxValue)));
        foreach (var samples in perPoller)
        {
            all.AddRange(samples);
        }

        var report = new PollersReport(
            options.Pollers,
            Math.Round(window.TotalSeconds, 3),
            served,
            Math.Round(served / window.TotalSeconds, 1),
            windowGathers,
            windowGathers > 0 ? Math.Round(served / (double)windowGathers, 1) : 0,
            burst.Requests,
            burst.Gathers,
            Math.Round(burst.Elapsed.TotalSeconds, 4));
        return new GatherReport("pollers", options.StatsUrl.ToString(), options.Nodes, all.Summarize(), errors, timeouts, report);
    }

    /// <summary>Every poller's request released together; counts the gathers the burst caused.</summary>
    private static async Task<(int Requests, long Gathers, TimeSpan Elapsed)> BurstAsync(
        HttpClient client, GatherOptions options, GatherCounter gathers, CancellationToken cancellationToken)
    {
        var before = gathers.Seen;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, options.Pollers).Select(async _ =>
        {
            await release.Task;
            return await StatsHttp.GetAsync(client, options.StatsUrl, false, cancellationToken);
        }).ToArray();

        var start = Stopwatch.GetTimestamp();
        release.SetResult();
        var results = await Task.WhenAll(requests);
        var elapsed = Stopwatch.GetElapsedTime(start);

        // Let the counter's subscription drain what NATS already delivered.
        await Task.Delay(200, cancellationToken);
        var ok = results.Count(r => r.Status == HttpStatusCode.OK);
        return (ok, gathers.Seen - before, elapsed);
    }
}
