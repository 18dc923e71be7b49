using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.SocketNode.Presence;

/// <summary>
/// Writes the two Presence pushes in the shape the official client's <c>Presence</c> reads: <c>presence_state</c>
/// (<c>{key: {metas: [...]}}</c>) and <c>presence_diff</c> (<c>{joins: {...}, leaves: {...}}</c>), each meta
/// <c>{"phx_ref": ..., "online_at": ...}</c>.
/// </summary>
internal static class PresenceFrames
{
    /// <summary><c>[join_ref, null, topic, "presence_state", state]</c>: under the channel's join ref, so a rejoin waits for its own.</summary>
    public static byte[] State(string topic, string joinRef, IEnumerable<PresenceEntry> entries)
    {
        var scratch = PhoenixConnection.Scratch();
        PhoenixFrameWriter.WritePush(scratch, joinRef, topic, PhoenixEvents.PresenceState, w => WriteByKey(w, entries));
        return scratch.WrittenSpan.ToArray();
    }

    /// <summary><c>[null, null, topic, "presence_diff", {joins, leaves}]</c>: a broadcast, as Phoenix sends it.</summary>
    public static byte[] Diff(string topic, PresenceDelta delta)
    {
        var scratch = PhoenixConnection.Scratch();
        PhoenixFrameWriter.WritePush(scratch, null, topic, PhoenixEvents.PresenceDiff, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("joins"u8);
            WriteByKey(w, delta.Joins);
            w.WritePropertyName("leaves"u8);
            WriteByKey(w, delta.Leaves);
            w.WriteEndObject();
        });
        return scratch.WrittenSpan.ToArray();
    }

    private static void WriteByKey(Utf8JsonWriter writer, IEnumerable<PresenceEntry> entries)
    {
        writer.WriteStartObject();
        foreach (var group in entries.GroupBy(e => e.Key, StringComparer.Ordinal))
        {
            writer.WritePropertyName(group.Key);
            writer.WriteStartObject();
            writer.WritePropertyName("metas"u8);
            writer.WriteStartArray();
            foreach (var entry in group)
            {
                writer.WriteStartObject();
                writer.WriteString("phx_ref"u8, entry.Ref);
                writer.WriteNumber("online_at"u8, entry.OnlineAt);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
