namespace ConnCount.Cluster.Contracts;

/// <summary>
/// Joins arrived much faster than usual: <paramref name="Rate"/> joins/s against an EWMA
/// <paramref name="Baseline"/>, over <paramref name="Factor"/> times it. Scope <c>node</c> or <c>topic</c>.
/// </summary>
public sealed record SpikeEvent(string Scope, string Node, string? Topic, double Rate, double Baseline, double Factor, DateTimeOffset At);

/// <summary>A threshold rule's value crossed <paramref name="Up"/> (direction <c>up</c>) or fell to <paramref name="Down"/> (<c>down</c>).</summary>
public sealed record ThresholdEvent(string Rule, string Scope, string Key, string Direction, long Value, long Up, long Down, DateTimeOffset At);
