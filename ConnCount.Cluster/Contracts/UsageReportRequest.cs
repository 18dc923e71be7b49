namespace ConnCount.Cluster.Contracts;

/// <summary>The request of a usage gather on <see cref="NatsSubjects.UsageReport"/>; every node answers with its <see cref="UsageReport"/>.</summary>
/// <param name="Prefix">Only topics whose name starts with this (ordinal); tenants are not filtered. Null or empty: every topic.</param>
/// <param name="Limit">
/// The most topics, and the most tenants, in a reply: the first of the order in <see cref="Aggregation.UsageQuery"/>.
/// Null: <see cref="Aggregation.UsageQuery.DefaultLimit"/>. Nodes clamp it to 1 to <see cref="Aggregation.UsageQuery.MaxLimit"/>.
/// </param>
public sealed record UsageReportRequest(string? Prefix = null, int? Limit = null);
