using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// What one valid token lets its holder do: join, and see in every stats view, the topics its <c>topics</c>
/// claim names; with the <c>stats</c> claim, read the cross-topic views whole. Good until <see cref="ExpiresUtc"/>.
/// </summary>
/// <param name="Topics">Topics or <c>prefix*</c> patterns from the <c>topics</c> claim.</param>
/// <param name="Stats">The token carries <c>"stats": true</c>, the stats grant.</param>
/// <param name="Tenant">Who joins made with it are billed to.</param>
/// <param name="Plan">The tenant's plan.</param>
/// <param name="ExpiresUtc">The token's expiry plus the configured clock skew.</param>
/// <param name="Publish">Joins made with it may push messages; <c>"publish": false</c> withholds that.</param>
/// <param name="User">The user its joins belong to: the <c>sub</c> claim.</param>
public sealed record TokenAccess(IReadOnlyList<string> Topics, bool Stats, string? Tenant, string? Plan, DateTime ExpiresUtc, bool Publish = true, string? User = null)
{
    public bool IsValidAt(DateTime utcNow) => utcNow < ExpiresUtc;

    public bool AllowsTopic(string topic) => Topics.Any(p => TopicPattern.Matches(p, topic));
}
