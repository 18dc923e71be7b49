namespace ConnCount.SocketNode.Protocol;

/// <summary>
/// One Phoenix Channels v2 message: <c>[join_ref, ref, topic, event, payload]</c>. The payload stays raw
/// JSON (an object) because most events ignore it.
/// </summary>
public readonly record struct PhoenixFrame(string? JoinRef, string? Ref, string Topic, string Event, ReadOnlyMemory<byte> Payload);
