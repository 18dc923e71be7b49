namespace ConnCount.Cluster.Contracts;

/// <summary>
/// A closed usage period, written once to the <see cref="UsageStorage.PeriodsBucket"/> key-value bucket and never changed:
/// the connection-milliseconds of every node incarnation that counted in it. A period with many topics is split into
/// <see cref="Chunks"/> entries; each lists its own topics and tenants, and every entry carries the period's totals.
/// </summary>
/// <param name="PeriodStart">The period's start, UTC-aligned.</param>
/// <param name="PeriodSeconds">The period's length.</param>
/// <param name="ClosedAt">When a StatsApi closed it.</param>
/// <param name="Chunk">This entry's part, from 0.</param>
/// <param name="Chunks">How many entries the period was split into.</param>
/// <param name="ConnectionMs">The period's connection-milliseconds over every topic of every node.</param>
/// <param name="Nodes">Node id to connection-milliseconds (all its incarnations in the period).</param>
/// <param name="Incarnations">How many node incarnations counted in the period.</param>
/// <param name="Topics">This entry's topics: name to connection-milliseconds.</param>
/// <param name="Tenants">This entry's tenants: tenant to connection-milliseconds.</param>
public sealed record UsagePeriodRecord(
    DateTimeOffset PeriodStart,
    long PeriodSeconds,
    DateTimeOffset ClosedAt,
    int Chunk,
    int Chunks,
    long ConnectionMs,
    IReadOnlyDictionary<string, long> Nodes,
    int Incarnations,
    IReadOnlyDictionary<string, long> Topics,
    IReadOnlyDictionary<string, long> Tenants);
