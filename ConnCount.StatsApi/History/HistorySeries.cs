namespace ConnCount.StatsApi.History;

/// <summary>The answer of <c>GET /api/stats/history</c>: one point per step that holds samples, oldest first.</summary>
/// <param name="From">The range's start, as asked.</param>
/// <param name="To">The range's end (exclusive), as asked.</param>
/// <param name="StepSeconds">Each point covers this long, aligned to UTC.</param>
/// <param name="Points">Steps without a sample (the StatsApi was down, NATS was out) have no point.</param>
public sealed record HistorySeries(DateTimeOffset From, DateTimeOffset To, long StepSeconds, IReadOnlyList<HistoryPoint> Points)
{
    /// <summary>Groups <paramref name="samples"/> (oldest first) into steps of <paramref name="step"/>.</summary>
    public static HistorySeries Of(HistoryQuery query, IReadOnlyList<HistorySample> samples)
    {
        var points = samples
            .GroupBy(s => StepStart(s.At, query.Step))
            .OrderBy(g => g.Key)
            .Select(g => HistoryPoint.Of(g.Key, [.. g.OrderBy(s => s.At)]))
            .ToList();
        return new HistorySeries(query.From, query.To, (long)query.Step.TotalSeconds, points);
    }

    private static DateTimeOffset StepStart(DateTimeOffset at, TimeSpan step)
    {
        var sinceEpoch = (at - DateTimeOffset.UnixEpoch).Ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(sinceEpoch - (sinceEpoch % step.Ticks));
    }
}

/// <summary>
/// One step of the history. Gauges are the last sample's, with the step's maximum beside them; churn is summed over
/// the step's samples; a step is partial when any of its samples was.
/// </summary>
/// <param name="At">The step's start.</param>
/// <param name="Samples">Samples in the step.</param>
/// <param name="Sockets">Open sockets at the step's last sample.</param>
/// <param name="SocketsMax">The most open sockets of any sample in the step.</param>
/// <param name="Memberships">Topic memberships at the step's last sample.</param>
/// <param name="MembershipsMax">The most memberships of any sample in the step.</param>
/// <param name="Nodes">Nodes that answered at the step's last sample.</param>
/// <param name="NodesMin">The fewest nodes that answered any sample in the step.</param>
/// <param name="MissingNodes">Every node missing from any sample in the step.</param>
/// <param name="Partial">Some sample in the step left out a node.</param>
/// <param name="Joins">Memberships begun over the step's samples' intervals.</param>
/// <param name="Leaves">Memberships ended over the same intervals.</param>
/// <param name="ChurnExact">Every sample's churn was exact (see <see cref="HistorySample.ChurnExact"/>).</param>
/// <param name="Tenants">Open connections per tenant at the step's last sample.</param>
/// <param name="TenantsTruncated">That sample left tenants out.</param>
public sealed record HistoryPoint(
    DateTimeOffset At,
    int Samples,
    long Sockets,
    long SocketsMax,
    long Memberships,
    long MembershipsMax,
    int Nodes,
    int NodesMin,
    IReadOnlyList<string> MissingNodes,
    bool Partial,
    long Joins,
    long Leaves,
    bool ChurnExact,
    IReadOnlyDictionary<string, long> Tenants,
    bool TenantsTruncated)
{
    /// <summary>The point of one step's samples, oldest first (at least one).</summary>
    public static HistoryPoint Of(DateTimeOffset at, IReadOnlyList<HistorySample> samples)
    {
        var last = samples[^1];
        return new HistoryPoint(
            at,
            samples.Count,
            last.Sockets,
            samples.Max(s => s.Sockets),
            last.Memberships,
            samples.Max(s => s.Memberships),
            last.Nodes,
            samples.Min(s => s.Nodes),
            [.. samples.SelectMany(s => s.MissingNodes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            samples.Any(s => s.Partial),
            samples.Sum(s => s.Joins),
            samples.Sum(s => s.Leaves),
            samples.All(s => s.ChurnExact),
            last.Tenants,
            last.TenantsTruncated);
    }
}
