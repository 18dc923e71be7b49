using System.Globalization;
using ConnCount.Cluster.Contracts;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace ConnCount.Cluster.Durable;

/// <summary>
/// Where durable usage lives in JetStream: the <see cref="RecordsStream"/> stream of every node's
/// <see cref="UsageRecord"/>s, and the <see cref="PeriodsBucket"/> key-value bucket of closed
/// <see cref="UsagePeriodRecord"/>s. Nodes and the StatsApi both create them, with the same configuration.
/// </summary>
public static class UsageStorage
{
    /// <summary>The stream of usage records, subjects <see cref="NatsSubjects.AllUsageRecords"/>.</summary>
    public const string RecordsStream = "CONNCOUNT_USAGE";

    /// <summary>The key-value bucket of closed periods: one key per period and chunk, each written once.</summary>
    public const string PeriodsBucket = "conncount-usage-periods";

    /// <summary>
    /// How long the stream remembers a message id: a record retried within it (its acknowledgement was lost) is stored
    /// once. Readers also drop any record of an incarnation at or below one already applied.
    /// </summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(10);

    /// <summary>The message id of one chunk of one record: node, epoch (Unix ms), sequence and chunk.</summary>
    public static string MessageId(UsageRecord record) => string.Create(
        CultureInfo.InvariantCulture, $"{record.Node}.{record.StartedAt.ToUnixTimeMilliseconds()}.{record.Sequence}.{record.Chunk}");

    /// <summary>The key of one chunk of a closed period: <c>&lt;period seconds&gt;.&lt;start, Unix seconds&gt;.&lt;chunk&gt;</c>.</summary>
    public static string PeriodKey(long periodSeconds, DateTimeOffset periodStart, int chunk) => string.Create(
        CultureInfo.InvariantCulture, $"{periodSeconds}.{periodStart.ToUnixTimeSeconds()}.{chunk}");

    /// <summary>Reads a key written by <see cref="PeriodKey"/>.</summary>
    public static bool TryParsePeriodKey(string key, out PeriodId period)
    {
        period = default;
        var parts = key.Split('.');
        if (parts.Length != 3
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var start))
        {
            return false;
        }

        period = new PeriodId(seconds, DateTimeOffset.FromUnixTimeSeconds(start));
        return true;
    }

    /// <summary>Creates the stream, or updates it to this configuration.</summary>
    public static Task EnsureRecordsStreamAsync(INatsJSContext js, DurableUsageOptions options, CancellationToken cancellationToken) =>
        js.CreateOrUpdateStreamAsync(
            new StreamConfig(RecordsStream, [NatsSubjects.AllUsageRecords])
            {
                Storage = StreamConfigStorage.File,
                MaxAge = options.RecordRetention,
                DuplicateWindow = DuplicateWindow,
                Description = "ConnCount usage records: connection-milliseconds per node incarnation, period, topic and tenant.",
            },
            cancellationToken).AsTask();

    /// <summary>Creates the bucket of closed periods (one value per key, kept until wiped), or opens it.</summary>
    public static async Task<INatsKVStore> EnsurePeriodsBucketAsync(INatsJSContext js, CancellationToken cancellationToken) =>
        await new NatsKVContext(js).CreateOrUpdateStoreAsync(
            new NatsKVConfig(PeriodsBucket)
            {
                History = 1,
                Storage = NatsKVStorageType.File,
                Description = "ConnCount closed usage periods, written once.",
            },
            cancellationToken);
}
