namespace ConnCount.LoadGen.Phoenix;

/// <summary>
/// The parts of a server frame the client acts on. Refs are the numbers this client sent (or -1);
/// <see cref="Ok"/> is the reply status; <see cref="Reason"/> is read only from replies that are not ok.
/// </summary>
internal readonly record struct PhoenixFrame(long JoinRef, long Ref, bool IsHeartbeatTopic, PhoenixEvent Event, bool Ok, string? Reason);
