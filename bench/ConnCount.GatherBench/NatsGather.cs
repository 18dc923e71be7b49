using System.Diagnostics;
using ConnCount.Cluster.Contracts;
using NATS.Client.Core;

namespace ConnCount.GatherBench;

/// <summary>
/// The raw scatter-gather, as the stats client does it but with nothing after the wire: one request on
/// <see cref="NatsSubjects.Stats"/>, done when exactly K replies have arrived. Replies stay bytes, so the figure
/// is NATS plus the nodes' own answer time, the floor for <c>GET /api/stats</c>.
/// </summary>
internal static class NatsGather
{
    public static async Task<GatherReport> RunAsync(GatherOptions options, CancellationToken cancellationToken)
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = options.NatsUrl, Name = "conncount-gatherbench" });
        await nats.ConnectAsync();

        var samples = new LatencySamples(options.Iterations);
        long errors = 0, timeouts = 0;
        for (var i = -options.Warmup; i < options.Iterations; i++)
        {
            if (i == 0 && options.Warmup > 0)
            {
                // Tiered compilation finishes in the background: give it a moment before the timed requests.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            var start = Stopwatch.GetTimestamp();
            var replies = await GatherOnceAsync(nats, options.Nodes, options.Timeout, cancellationToken);
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
                samples.Add(elapsed);
            }
        }

        return new GatherReport("nats", options.NatsUrl, options.Nodes, samples.Summarize(), errors, timeouts, null);
    }

    /// <summary>Replies received (stops at <paramref name="nodes"/>); fewer means the timeout ended it, -1 a NATS error.</summary>
    internal static async Task<int> GatherOnceAsync(NatsConnection nats, int nodes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var replies = 0;
        try
        {
            var replyOpts = new NatsSubOpts { MaxMsgs = nodes, Timeout = timeout };
            await foreach (var msg in nats.RequestManyAsync<object?, byte[]>(
                NatsSubjects.Stats, data: null, replySerializer: NatsRawSerializer<byte[]>.Default, replyOpts: replyOpts, cancellationToken: cancellationToken))
            {
                if (msg.Data is { Length: > 0 })
                {
                    replies++;
                }
            }
        }
        catch (NatsNoRespondersException)
        {
            return -1;
        }

        return replies;
    }
}
