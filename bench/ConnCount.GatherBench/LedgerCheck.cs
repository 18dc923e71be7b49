using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ConnCount.GatherBench;

/// <summary>
/// Compares <c>GET /api/stats</c> with the sum of LoadGen ledgers (their JSON reports): every topic's total,
/// the total of memberships, the open sockets, no negative count and no partial answer. Retries until they
/// agree or the time is up, since a node learns of an aborted socket a moment after the client does.
/// </summary>
internal static class LedgerCheck
{
    public static async Task<int> RunAsync(GatherOptions options, IReadOnlyList<string> ledgers, CancellationToken cancellationToken)
    {
        var expectedTopics = new Dictionary<string, long>(StringComparer.Ordinal);
        long expectedSockets = 0;
        foreach (var path in ledgers)
        {
            using var report = JsonDocument.Parse(await File.ReadAllBytesAsync(path, cancellationToken));
            var root = report.RootElement;
            if (!root.GetProperty("replies_settled").GetBoolean())
            {
                Console.Error.WriteLine($"{path}: replies were not settled when the report was written; its ledger may be off.");
            }

            foreach (var topic in root.GetProperty("ledger").GetProperty("topics").EnumerateObject())
            {
                expectedTopics[topic.Name] = expectedTopics.GetValueOrDefault(topic.Name) + topic.Value.GetInt64();
            }

            expectedSockets += root.GetProperty("counters").GetProperty("open_sockets").GetInt64();
        }

        var expectedTotal = expectedTopics.Values.Sum();
        using var client = StatsHttp.CreateClient(options, 1);
        var deadline = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var differences = new List<string>();
        while (true)
        {
            differences.Clear();
            try
            {
                using var stats = JsonDocument.Parse(await client.GetByteArrayAsync(options.StatsUrl, cancellationToken));
                Compare(stats.RootElement, expectedTopics, expectedTotal, expectedSockets, options.Nodes, differences);
            }
            catch (HttpRequestException e)
            {
                differences.Add($"GET failed: {e.Message}");
            }

            if (differences.Count == 0)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"verify: exact. {expectedTotal} memberships over {expectedTopics.Count} topics and {expectedSockets} sockets, as the {ledgers.Count} ledger(s) say"));
                return 0;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                Console.Out.WriteLine($"verify: MISMATCH after {options.Duration.TotalSeconds:F0} s:");
                foreach (var difference in differences.Take(20))
                {
                    Console.Out.WriteLine("  " + difference);
                }

                return 1;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private static void Compare(JsonElement stats, Dictionary<string, long> expectedTopics, long expectedTotal, long expectedSockets, int nodes, List<string> differences)
    {
        if (stats.GetProperty("partial").GetBoolean())
        {
            differences.Add("the answer is partial: a node did not answer");
        }

        if (nodes > 0 && stats.GetProperty("cluster_size").GetInt32() != nodes)
        {
            differences.Add($"cluster_size {stats.GetProperty("cluster_size").GetInt32()}, expected {nodes}");
        }

        var total = stats.GetProperty("total_connections").GetInt64();
        if (total != expectedTotal)
        {
            differences.Add($"total_connections {total}, ledger {expectedTotal}");
        }

        var sockets = stats.GetProperty("total_sockets").GetInt64();
        if (sockets != expectedSockets)
        {
            differences.Add($"total_sockets {sockets}, ledger {expectedSockets}");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var topic in stats.GetProperty("topics").EnumerateObject())
        {
            seen.Add(topic.Name);
            var count = topic.Value.GetProperty("total").GetInt64();
            if (count < 0)
            {
                differences.Add($"{topic.Name}: negative count {count}");
            }

            if (count != expectedTopics.GetValueOrDefault(topic.Name))
            {
                differences.Add($"{topic.Name}: {count}, ledger {expectedTopics.GetValueOrDefault(topic.Name)}");
            }
        }

        foreach (var (topic, count) in expectedTopics)
        {
            if (count != 0 && !seen.Contains(topic))
            {
                differences.Add($"{topic}: absent, ledger {count}");
            }
        }
    }
}
