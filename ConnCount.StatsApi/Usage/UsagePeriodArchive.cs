using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Durable;
using ConnCount.Cluster.Gathering;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace ConnCount.StatsApi.Usage;

/// <summary>Reads closed usage periods back from the <see cref="UsageStorage.PeriodsBucket"/> bucket.</summary>
public sealed class UsagePeriodArchive(INatsConnection nats)
{
    private static readonly NatsJsonContextSerializer<UsagePeriodRecord> Serializer = new(ClusterJsonContext.Default);

    /// <summary>
    /// The closed periods that start in [<paramref name="from"/>, <paramref name="to"/>), oldest first, each with its
    /// chunks merged; a period whose chunks are not all written yet is left out.
    /// </summary>
    /// <exception cref="ClusterUnavailableException">NATS or JetStream cannot be reached.</exception>
    public async Task<IReadOnlyList<UsagePeriodRecord>> ListAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        try
        {
            var bucket = await UsageStorage.EnsurePeriodsBucketAsync(new NatsJSContext(nats), cancellationToken);
            var keys = new List<(PeriodId Period, string Key)>();
            await foreach (var key in bucket.GetKeysAsync(cancellationToken: cancellationToken))
            {
                if (UsageStorage.TryParsePeriodKey(key, out var period) && period.Start >= from && period.Start < to)
                {
                    keys.Add((period, key));
                }
            }

            var periods = new List<UsagePeriodRecord>();
            foreach (var group in keys.GroupBy(k => k.Period).OrderBy(g => g.Key.Start).ThenBy(g => g.Key.PeriodSeconds))
            {
                var chunks = new List<UsagePeriodRecord>();
                foreach (var (_, key) in group)
                {
                    var entry = await bucket.GetEntryAsync(key, serializer: Serializer, cancellationToken: cancellationToken);
                    if (entry.Value is { } chunk)
                    {
                        chunks.Add(chunk);
                    }
                }

                if (chunks.Count > 0 && chunks.Count == chunks[0].Chunks)
                {
                    periods.Add(Merge(chunks));
                }
            }

            return periods;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnavailableException("The usage archive in NATS JetStream cannot be read: " + ex.Message, ex);
        }
    }

    private static UsagePeriodRecord Merge(List<UsagePeriodRecord> chunks)
    {
        var first = chunks.OrderBy(c => c.Chunk).First();
        return first with
        {
            Chunk = 0,
            Chunks = 1,
            Topics = chunks.SelectMany(c => c.Topics).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            Tenants = chunks.SelectMany(c => c.Tenants).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
        };
    }
}
