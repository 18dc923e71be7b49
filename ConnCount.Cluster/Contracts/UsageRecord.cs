namespace ConnCount.Cluster.Contracts;

/// <summary>
/// One durable usage record of one node incarnation, published to JetStream on
/// <see cref="NatsSubjects.UsageRecords"/>: the connection-milliseconds the incarnation added to each period since
/// its previous record. Deltas, so records add up; a record that is too large for one message is split into
/// <see cref="Chunks"/> messages, each with its own part of the deltas.
/// </summary>
/// <param name="Node">The node id.</param>
/// <param name="StartedAt">The incarnation's epoch (as in <see cref="NodeStats.StartedAt"/>).</param>
/// <param name="Sequence">1, 2, 3 … per incarnation; with <see cref="Chunk"/> the record's identity, so a retried write counts once.</param>
/// <param name="Chunk">This message's part of the record, from 0.</param>
/// <param name="Chunks">How many messages the record was split into.</param>
/// <param name="PeriodSeconds">The node's reporting period (<c>ConnCount:Usage:Period</c>).</param>
/// <param name="Through">Every membership of the incarnation is counted up to this instant, open ones included.</param>
/// <param name="Periods">What each period gained since the previous record (a late-stamped leave can make a gain negative).</param>
public sealed record UsageRecord(
    string Node,
    DateTimeOffset StartedAt,
    long Sequence,
    int Chunk,
    int Chunks,
    long PeriodSeconds,
    DateTimeOffset Through,
    IReadOnlyList<UsagePeriodDelta> Periods);

/// <summary>What one period gained in one record: connection-milliseconds per topic and per tenant.</summary>
/// <param name="PeriodStart">The period's start, UTC-aligned.</param>
/// <param name="Topics">Topic name to connection-milliseconds added; the node's figure is their sum.</param>
/// <param name="Tenants">Tenant to connection-milliseconds added.</param>
public sealed record UsagePeriodDelta(
    DateTimeOffset PeriodStart,
    IReadOnlyDictionary<string, long> Topics,
    IReadOnlyDictionary<string, long> Tenants);
