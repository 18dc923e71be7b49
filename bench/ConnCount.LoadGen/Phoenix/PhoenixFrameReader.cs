using System.Buffers.Text;
using System.Text.Json;

namespace ConnCount.LoadGen.Phoenix;

/// <summary>Reads a v2 frame <c>[join_ref, ref, topic, event, payload]</c> without building a DOM.</summary>
internal static class PhoenixFrameReader
{
    public static bool TryRead(ReadOnlySpan<byte> utf8, out PhoenixFrame frame)
    {
        frame = default;
        var reader = new Utf8JsonReader(utf8);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray
                || !reader.Read() || !TryReadRef(ref reader, out var joinRef)
                || !reader.Read() || !TryReadRef(ref reader, out var reference)
                || !reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            var isHeartbeatTopic = reader.ValueTextEquals("phoenix"u8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            var kind = reader.ValueTextEquals("phx_reply"u8) ? PhoenixEvent.Reply
                : reader.ValueTextEquals("phx_close"u8) ? PhoenixEvent.Close
                : reader.ValueTextEquals("phx_error"u8) ? PhoenixEvent.Error
                : PhoenixEvent.Other;

            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var ok = false;
            string? reason = null;
            if (kind == PhoenixEvent.Reply)
            {
                ReadReplyPayload(ref reader, out ok, out reason);
            }

            frame = new PhoenixFrame(joinRef, reference, isHeartbeatTopic, kind, ok, ok ? null : reason);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads a push's event name and its payload (the raw JSON object, as sent). Only the modes that look into pushes
    /// call it, so a held socket's receive loop pays nothing for it.
    /// </summary>
    public static bool TryReadPush(ReadOnlySpan<byte> utf8, out ReadOnlySpan<byte> eventName, out ReadOnlySpan<byte> payload)
    {
        eventName = default;
        payload = default;
        var reader = new Utf8JsonReader(utf8);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            // join_ref, ref, topic
            for (var i = 0; i < 3; i++)
            {
                if (!reader.Read())
                {
                    return false;
                }

                reader.Skip();
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
            {
                return false;
            }

            var nameStart = (int)reader.TokenStartIndex + 1;
            var nameLength = reader.ValueSpan.Length;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var payloadStart = (int)reader.TokenStartIndex;
            reader.Skip();
            eventName = utf8.Slice(nameStart, nameLength);
            payload = utf8[payloadStart..(int)reader.BytesConsumed];
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A ref is a string of digits or null; anything else is not a ref this client sent.</summary>
    private static bool TryReadRef(ref Utf8JsonReader reader, out long value)
    {
        value = -1;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                if (!reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out long parsed, out var consumed) && consumed == reader.ValueSpan.Length)
                {
                    value = parsed;
                }

                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads <c>{"status": "...", "response": {"reason": "..."}}</c> in either key order.</summary>
    private static void ReadReplyPayload(ref Utf8JsonReader reader, out bool ok, out string? reason)
    {
        ok = false;
        reason = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                ok = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("ok"u8);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("response"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("reason"u8))
                    {
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String)
                        {
                            reason = reader.GetString();
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }
    }
}
