using System.Buffers;
using System.Text.Json;

namespace ConnCount.SocketNode.Protocol;

/// <summary>Writes server frames: replies (<c>phx_reply</c>) and pushes, as UTF-8 JSON arrays.</summary>
public static class PhoenixFrameWriter
{
    private static readonly JsonWriterOptions Options = new() { SkipValidation = false };

    /// <summary>Writes <c>[join_ref, ref, topic, "phx_reply", {"status": status, "response": ...}]</c>.</summary>
    public static void WriteReply(IBufferWriter<byte> output, string? joinRef, string? msgRef, string topic, string status, Action<Utf8JsonWriter>? writeResponse)
    {
        using var writer = new Utf8JsonWriter(output, Options);
        WriteHeader(writer, joinRef, msgRef, topic, PhoenixEvents.Reply);
        writer.WriteStartObject();
        writer.WriteString("status"u8, status);
        writer.WritePropertyName("response"u8);
        if (writeResponse is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            writeResponse(writer);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    /// <summary>Writes an error reply <c>{"status":"error","response":{"reason": reason}}</c>.</summary>
    public static void WriteErrorReply(IBufferWriter<byte> output, string? joinRef, string? msgRef, string topic, string reason) =>
        WriteReply(output, joinRef, msgRef, topic, "error", w =>
        {
            w.WriteStartObject();
            w.WriteString("reason"u8, reason);
            w.WriteEndObject();
        });

    /// <summary>Writes a server push <c>[join_ref, null, topic, event, payload]</c>.</summary>
    public static void WritePush(IBufferWriter<byte> output, string? joinRef, string topic, string evt, Action<Utf8JsonWriter>? writePayload)
    {
        using var writer = new Utf8JsonWriter(output, Options);
        WriteHeader(writer, joinRef, null, topic, evt);
        if (writePayload is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            writePayload(writer);
        }

        writer.WriteEndArray();
    }

    private static void WriteHeader(Utf8JsonWriter writer, string? joinRef, string? msgRef, string topic, string evt)
    {
        writer.WriteStartArray();
        WriteNullable(writer, joinRef);
        WriteNullable(writer, msgRef);
        writer.WriteStringValue(topic);
        writer.WriteStringValue(evt);
    }

    private static void WriteNullable(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}
