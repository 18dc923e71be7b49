namespace ConnCount.LoadGen.Phoenix;

/// <summary>Writes v2 frames <c>[join_ref, ref, topic, event, payload]</c> (payload <c>{}</c> unless given) straight into a byte buffer.</summary>
internal static class PhoenixFrameWriter
{
    /// <summary>Room for refs, event name and punctuation; the topic adds its own length.</summary>
    public const int Overhead = 96;

    public static ReadOnlySpan<byte> HeartbeatTopic => "\"phoenix\""u8;

    /// <summary>Writes one frame and returns its length. A join ref of 0 or less is written as null; an empty payload as <c>{}</c>.</summary>
    public static int Write(Span<byte> destination, long joinRef, long reference, ReadOnlySpan<byte> topicJson, ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> payloadJson = default)
    {
        var at = 0;
        Append(destination, ref at, "["u8);
        AppendRef(destination, ref at, joinRef);
        Append(destination, ref at, ","u8);
        AppendRef(destination, ref at, reference);
        Append(destination, ref at, ","u8);
        Append(destination, ref at, topicJson);
        Append(destination, ref at, ",\""u8);
        Append(destination, ref at, eventName);
        Append(destination, ref at, "\","u8);
        Append(destination, ref at, payloadJson.IsEmpty ? "{}"u8 : payloadJson);
        Append(destination, ref at, "]"u8);
        return at;
    }

    private static void AppendRef(Span<byte> destination, ref int at, long value)
    {
        if (value <= 0)
        {
            Append(destination, ref at, "null"u8);
            return;
        }

        Append(destination, ref at, "\""u8);
        if (!value.TryFormat(destination[at..], out var written, provider: System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new ArgumentException("Frame buffer too small.", nameof(destination));
        }

        at += written;
        Append(destination, ref at, "\""u8);
    }

    private static void Append(Span<byte> destination, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[at..]);
        at += bytes.Length;
    }
}
