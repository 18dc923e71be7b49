using System.Text.Json.Serialization;

namespace ConnCount.StatsApi.Admin;

/// <summary>The body of <c>POST /api/admin/disconnect</c>: exactly one of the three selectors.</summary>
/// <param name="User">Close every socket that showed a valid token whose <c>sub</c> is this user.</param>
/// <param name="Topic">Close every socket holding a membership of this topic.</param>
/// <param name="Node">Close every socket of the node with this id (as in <c>/api/stats/nodes</c>).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DisconnectBody(string? User = null, string? Topic = null, string? Node = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DisconnectBody))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
