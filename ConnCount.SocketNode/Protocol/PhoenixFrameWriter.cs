using System.Buffers;
using System.Text.Json;

namespace ConnCount.SocketNode.Protocol;

/// <summary>Writes server frames: replies (<c>phx_reply</c>) and pushes, as UTF-8 JSON arrays.</summary>
/// <remarks>
/// Every frame a node sends goes through here, so the <see cref="Utf8JsonWriter"/> is reused per thread
/// (<see cref="Utf8JsonWriter.Reset(IBufferWriter{byte})"/>) instead of allocated per frame. A writer is taken
/// out of its slot while in use, so a response callback that writes a nested frame gets a fresh one.
/// </remarks>
public static class PhoenixFrameWriter
{
    private static readonly JsonWriterOptions Options = new() { SkipValidation = false };

    [ThreadStatic]
    private static Utf8JsonWriter? t_cached;

    /// <summary>Writes <c>[join_ref, ref, topic, "phx_reply", {"status": status, "response": ...}]</c>.</summary>
    public static void WriteReply(IBufferWriter<byte> output, string? joinRef, string? msgRef, string topic, string status, Action<Utf8JsonWriter>? writeResponse)
    {
        var writer = Rent(output);
        try
        {
            WriteReplyCore(writer, joinRef, msgRef, topic, status, writeResponse);
        }
        finally
        {
            Return(writer);
        }
    }

    private static void WriteReplyCore(Utf8JsonWriter writer, string? joinRef, string? msgRef, string topic, string status, Action<Utf8JsonWriter>? writeResponse)
    {
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
        var writer = Rent(output);
        try
        {
            WritePushCore(writer, joinRef, topic, evt, writePayload);
        }
        finally
        {
            Return(writer);
        }
    }

    /// <summary>
    /// Writes <c>[join_ref, join_ref, topic, "phx_close", {}]</c>: a channel that ended (leave) or was replaced (rejoin),
    /// as Phoenix sends it, the join's own ref in the ref slot.
    /// </summary>
    public static void WriteClose(IBufferWriter<byte> output, string joinRef, string topic)
    {
        var writer = Rent(output);
        try
        {
            WritePushCore(writer, joinRef, topic, PhoenixEvents.Close, null, msgRef: joinRef);
        }
        finally
        {
            Return(writer);
        }
    }

    private static void WritePushCore(Utf8JsonWriter writer, string? joinRef, string topic, string evt, Action<Utf8JsonWriter>? writePayload, string? msgRef = null)
    {
        WriteHeader(writer, joinRef, msgRef, topic, evt);
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

    private static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = t_cached;
        if (writer is null)
        {
            return new Utf8JsonWriter(output, Options);
        }

        t_cached = null;
        writer.Reset(output);
        return writer;
    }

    /// <summary>Flushes into the caller's buffer (as disposing did) and keeps the writer for the next frame on this thread.</summary>
    private static void Return(Utf8JsonWriter writer)
    {
        writer.Flush();
        // Drop the reference to the caller's buffer so a pooled writer never keeps it alive.
        writer.Reset(NullBufferWriter.Instance);
        t_cached = writer;
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

    /// <summary>A buffer writer that is never written to: what an idle cached writer points at.</summary>
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("An idle frame writer was written to.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("An idle frame writer was written to.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("An idle frame writer was written to.");
    }
}
