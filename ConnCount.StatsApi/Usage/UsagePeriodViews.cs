using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using ConnCount.Cluster.Contracts;

namespace ConnCount.StatsApi.Usage;

/// <summary>The answer of <c>GET /api/stats/usage/periods</c>.</summary>
/// <param name="From">Periods starting at or after this instant.</param>
/// <param name="To">… and before this one.</param>
/// <param name="Periods">The closed periods, oldest first.</param>
public sealed record UsagePeriodList(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<UsagePeriodView> Periods)
{
    /// <summary>The CSV columns.</summary>
    public const string CsvHeader = "period_start,period_end,kind,key,connection_ms";

    /// <summary>The periods as CSV for a billing export: one row per period total, node, topic and tenant.</summary>
    /// <remarks>
    /// RFC 4180 quoting. A key that starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return gets a
    /// leading <c>'</c>, so a spreadsheet shows it as text instead of running it as a formula.
    /// </remarks>
    public string ToCsv()
    {
        var csv = new StringBuilder(CsvHeader).Append("\r\n");
        foreach (var period in Periods)
        {
            var start = Instant(period.PeriodStart);
            var end = Instant(period.PeriodEnd);
            void Row(string kind, string key, long ms) =>
                csv.Append(start).Append(',').Append(end).Append(',').Append(kind).Append(',').Append(Field(key)).Append(',')
                    .Append(ms.ToString(CultureInfo.InvariantCulture)).Append("\r\n");

            Row("total", "", period.ConnectionMs);
            foreach (var (node, ms) in period.Nodes)
            {
                Row("node", node, ms);
            }

            foreach (var (topic, ms) in period.Topics)
            {
                Row("topic", topic, ms);
            }

            foreach (var (tenant, ms) in period.Tenants)
            {
                Row("tenant", tenant, ms);
            }
        }

        return csv.ToString();
    }

    private static string Instant(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}

/// <summary>One closed period: its connection-milliseconds in total, per node, and per topic and tenant (after the query's filters).</summary>
/// <param name="ConnectionMs">Over every topic of every node, whatever the filters.</param>
/// <param name="Incarnations">Node incarnations that counted in the period.</param>
public sealed record UsagePeriodView(
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    long PeriodSeconds,
    DateTimeOffset ClosedAt,
    long ConnectionMs,
    IReadOnlyDictionary<string, long> Nodes,
    int Incarnations,
    IReadOnlyDictionary<string, long> Topics,
    IReadOnlyDictionary<string, long> Tenants)
{
    /// <summary>The view of <paramref name="record"/> under <paramref name="query"/>'s filters, keys in ordinal order.</summary>
    public static UsagePeriodView Of(UsagePeriodRecord record, UsagePeriodQuery query) => new(
        record.PeriodStart,
        record.PeriodStart.AddSeconds(record.PeriodSeconds),
        record.PeriodSeconds,
        record.ClosedAt,
        record.ConnectionMs,
        Sorted(record.Nodes, _ => true),
        record.Incarnations,
        Sorted(record.Topics, t => t.StartsWith(query.TopicPrefix, StringComparison.Ordinal)),
        Sorted(record.Tenants, t => query.Tenant is null || t == query.Tenant));

    private static SortedDictionary<string, long> Sorted(IReadOnlyDictionary<string, long> items, Func<string, bool> keep) =>
        new(items.Where(i => keep(i.Key)).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal), StringComparer.Ordinal);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(UsagePeriodList))]
internal sealed partial class UsagePeriodJsonContext : JsonSerializerContext;
