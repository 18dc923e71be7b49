using System.Text.Json;

namespace ConnCount.SocketNode.Protocol;

/// <summary>
/// Parses a text frame into a <see cref="PhoenixFrame"/> with a reason for every way it can be wrong,
/// so a bad frame is answered, never thrown out of the socket loop.
/// </summary>
public static class PhoenixFrameParser
{
    /// <summary>Parses <paramref name="utf8"/>; on failure <paramref name="error"/> says why and, where they could be read, the refs are kept.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> utf8, out PhoenixFrame frame, out string? error)
    {
        frame = default;
        string? joinRef = null, msgRef = null;
        try
        {
            var reader = new Utf8JsonReader(utf8.Span, new JsonReaderOptions { MaxDepth = 32 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                error = "frame must be a JSON array [join_ref, ref, topic, event, payload]";
                return false;
            }

            if (!TryReadRef(ref reader, out joinRef) || !TryReadRef(ref reader, out msgRef))
            {
                error = "join_ref and ref must be strings or null";
                return false;
            }

            if (!TryReadString(ref reader, out var topic) || !TryReadEvent(ref reader, out var evt))
            {
                frame = new PhoenixFrame(joinRef, msgRef, "", "", default);
                error = "topic and event must be strings";
                return false;
            }

            frame = new PhoenixFrame(joinRef, msgRef, topic, evt, default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "payload must be a JSON object";
                return false;
            }

            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var payload = utf8[start..(int)reader.BytesConsumed];

            if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            {
                error = "frame must have exactly five elements";
                return false;
            }

            // Trailing data after the array makes the reader throw: a second JSON value is not a frame.
            reader.Read();

            frame = frame with { Payload = payload };
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Invalid JSON, truncated input or invalid UTF-8 inside a string.
            frame = frame with { JoinRef = joinRef, Ref = msgRef };
            error = "frame is not valid JSON";
            return false;
        }
    }

    private static bool TryReadRef(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read())
        {
            return false;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            case JsonTokenType.Number:
                // Some clients send numeric refs; echo them back as strings.
                value = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                return true;
            default:
                return false;
        }
    }

    private static bool TryReadString(ref Utf8JsonReader reader, out string value)
    {
        value = "";
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        // Heartbeats, the most common frame on an idle socket, all name the same topic: no string per frame.
        value = reader.ValueTextEquals("phoenix"u8) ? PhoenixEvents.SocketTopic : reader.GetString() ?? "";
        return true;
    }

    /// <summary>Reads the event; the protocol's own events come back as their constants, so parsing them allocates nothing.</summary>
    private static bool TryReadEvent(ref Utf8JsonReader reader, out string value)
    {
        value = "";
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = reader.ValueTextEquals("heartbeat"u8) ? PhoenixEvents.Heartbeat
            : reader.ValueTextEquals("phx_join"u8) ? PhoenixEvents.Join
            : reader.ValueTextEquals("phx_leave"u8) ? PhoenixEvents.Leave
            : reader.GetString() ?? "";
        return true;
    }
}
