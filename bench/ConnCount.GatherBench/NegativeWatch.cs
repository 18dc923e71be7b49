using System.Diagnostics;
using System.Text.Json;

namespace ConnCount.GatherBench;

/// <summary>
/// Polls <c>GET /api/stats</c> while a workload runs and counts every negative figure it sees (a topic, a node,
/// a total). Stops at --duration or as soon as the file named by --stop-file exists. Exit 1 if anything was negative.
/// </summary>
internal static class NegativeWatch
{
    public static async Task<int> RunAsync(GatherOptions options, string stopFile, CancellationToken cancellationToken)
    {
        using var client = StatsHttp.CreateClient(options, 1);
        var deadline = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        long polls = 0, failures = 0, negatives = 0;
        while (Stopwatch.GetTimestamp() < deadline && !File.Exists(stopFile) && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var stats = JsonDocument.Parse(await client.GetByteArrayAsync(options.StatsUrl, cancellationToken));
                negatives += CountNegatives(stats.RootElement);
                polls++;
            }
            catch (HttpRequestException)
            {
                failures++;
            }

            await Task.Delay(100, cancellationToken);
        }

        Console.Out.WriteLine($"watch: {polls} polls, {negatives} negative figures, {failures} failed requests");
        return negatives > 0 ? 1 : 0;
    }

    private static long CountNegatives(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetInt64(out var n) && n < 0 ? 1 : 0,
        JsonValueKind.Object => element.EnumerateObject().Sum(p => CountNegatives(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Sum(CountNegatives),
        _ => 0,
    };
}
