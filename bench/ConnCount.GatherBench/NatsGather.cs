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

        var series = new TimedSeries(options.Iterations);
        await TimedSeries.RunAsync(options, i => TimeOnceAsync(nats, options, i >= 0 ? series : null, cancellationToken), cancellationToken);
        return new GatherReport("nats", options.NatsUrl, options.Nodes, series.Samples.Summarize(), series.Errors, series.Timeouts, null);
    }

    /// <summary>One gather, timed; recorded into <paramref name="series"/> unless it is null (a warm-up).</summary>
    public static async Task TimeOnceAsync(NatsConnection nats, GatherOptions options, TimedSeries? series, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var replies = await GatherOnceAsync(nats, options.Nodes, options.Timeout, cancellationToken);
        series?.AddGather(replies, options.Nodes, Stopwatch.GetElapsedTime(start));
    }

    /// <summary>Replies received (stops at <paramref name="nodes"/>); fewer means the timeout ended it, -1 a NATS error.</summary>
    private static async Task<int> GatherOnceAsync(NatsConnection nats, int nodes, TimeSpan timeout, CancellationToken cancellationToken)
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
