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

        var raw = new TimedSeries(options.Iterations);
        var http = new TimedSeries(options.Iterations);
        await TimedSeries.RunAsync(
            options,
            async i =>
            {
                // Which of the two goes first alternates, so neither always follows the other.
                var gatherFirst = i % 2 == 0;
                for (var turn = 0; turn < 2; turn++)
                {
                    if ((turn == 0) == gatherFirst)
                    {
                        await NatsGather.TimeOnceAsync(nats, options, i >= 0 ? raw : null, cancellationToken);
                    }
                    else
                    {
                        await StatsHttp.TimeOnceAsync(client, options, i, i >= 0 ? http : null, cancellationToken);
                    }
                }
            },
            cancellationToken);

        return new GatherReport(
            "paired", options.StatsUrl.ToString(), options.Nodes, http.Samples.Summarize(),
            raw.Errors + http.Errors, raw.Timeouts + http.Timeouts, null, raw.Samples.Summarize());
    }
}
