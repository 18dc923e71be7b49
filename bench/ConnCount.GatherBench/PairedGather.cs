using System.Diagnostics;
using System.Net;
using NATS.Client.Core;

namespace ConnCount.GatherBench;

/// <summary>
/// The raw scatter-gather and <c>GET /api/stats</c> measured in turn from one process: each pair takes one of each,
/// and which goes first alternates. Run one after the other, the two series saw different moments of a shared
/// two-core machine, and their ratio moved by a third between runs; taken in turn, both see the same moments.
/// </summary>
internal static class PairedGather
{
    public static async Task<GatherReport> RunAsync(GatherOptions options, CancellationToken cancellationToken)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = options.NatsUrl, Name = "conncount-gatherbench" });
        await nats.ConnectAsync();
        using var client = StatsHttp.CreateClient(options, 1);

        var raw = new LatencySamples(options.Iterations);
        var http = new LatencySamples(options.Iterations);
        long errors = 0, timeouts = 0;
        for (var i = -options.Warmup; i < options.Iterations; i++)
        {
            if (i == 0 && options.Warmup > 0)
            {
                // Tiered compilation finishes in the background: give it a moment before the timed requests.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            var check = i == -options.Warmup || i == options.Iterations - 1;
            for (var turn = 0; turn < 2; turn++)
            {
                var start = Stopwatch.GetTimestamp();
                if ((turn == 0) == (i % 2 == 0))
                {
                    var replies = await NatsGather.GatherOnceAsync(nats, options.Nodes, options.Timeout, cancellationToken);
                    var elapsed = Stopwatch.GetElapsedTime(start);
                    if (i < 0)
                    {
                        continue;
                    }

                    if (replies < 0)
                    {
                        errors++;
                    }
                    else if (replies < options.Nodes)
                    {
                        timeouts++;
                    }
                    else
                    {
                        raw.Add(elapsed);
                    }
                }
                else
                {
                    var (status, size) = await StatsHttp.GetAsync(client, options.StatsUrl, check, cancellationToken);
                    var elapsed = Stopwatch.GetElapsedTime(start);
                    if (check && size != options.Nodes)
                    {
                        throw new InvalidOperationException($"GET {options.StatsUrl} answered cluster_size {size}, expected {options.Nodes}.");
                    }

                    if (i < 0)
                    {
                        continue;
                    }

                    if (status == 0)
                    {
                        timeouts++;
                    }
                    else if (status != HttpStatusCode.OK)
                    {
                        errors++;
                    }
                    else
                    {
                        http.Add(elapsed);
                    }
                }
            }
        }

        return new GatherReport("paired", options.StatsUrl.ToString(), options.Nodes, http.Summarize(), errors, timeouts, null, raw.Summarize());
    }
}
