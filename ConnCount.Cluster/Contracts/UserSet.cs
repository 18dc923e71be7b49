using System.Text.Json.Serialization;

namespace ConnCount.Cluster.Contracts;

/// <summary>
/// One topic's users on one node, as the node sends them to a gather: their ids (distinct join-token subjects) while
/// they are at most <c>ConnCount:Stats:MaxExactUsersPerTopic</c>, else a HyperLogLog sketch of them
/// (<see cref="Aggregation.HyperLogLog"/>), so a reply stays bounded. Exactly one of the two is set. Travels between
/// ConnCount services only: readers get counts, never ids.
/// </summary>
/// <param name="Ids">The distinct user ids, in no particular order.</param>
/// <param name="Sketch">The registers of a HyperLogLog sketch of the ids (base64 in JSON).</param>
public sealed record UserSet(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Ids = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] byte[]? Sketch = null);

/// <summary>A number of distinct users: exact, or a HyperLogLog estimate with its relative standard error.</summary>
/// <param name="Users">Distinct users (join-token subjects).</param>
/// <param name="Estimated">True when some part of the count came from a sketch.</param>
public readonly record struct UserCount(long Users, bool Estimated)
{
    /// <summary>The relative standard error of an estimate; null for an exact count.</summary>
    public double? Error => Estimated ? Aggregation.HyperLogLog.RelativeStandardError : null;
}
