using System.Text.Json;

namespace ConnCount.Cluster.Contracts;

/// <summary>
/// A message for every member of a topic, on <see cref="TopicSubjects.For"/> of it: from a client's push (with the
/// node and socket it came from, so that socket can be left out) or from the server publish API.
/// </summary>
/// <param name="Topic">The topic; a node checks it against the subject's before delivering.</param>
/// <param name="Event">The application event the members' <c>channel.on(event, ...)</c> receives.</param>
/// <param name="Payload">A JSON object.</param>
/// <param name="OriginNode">The node whose client sent it; null for a server publish.</param>
/// <param name="OriginSocket">The sending socket on that node, left out of the delivery; 0 to deliver to every member.</param>
public sealed record TopicMessage(string Topic, string Event, JsonElement Payload, string? OriginNode = null, long OriginSocket = 0);
