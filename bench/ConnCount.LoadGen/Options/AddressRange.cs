using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ConnCount.LoadGen.Options;

/// <summary>Parses source address lists such as <c>127.0.0.2-127.0.0.9</c> or <c>127.0.0.2,127.0.0.5-9</c>.</summary>
internal static class AddressRange
{
    public static IReadOnlyList<IPAddress> Parse(string text)
    {
        var addresses = new List<IPAddress>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                addresses.Add(IPAddress.Parse(part));
                continue;
            }

            var first = IPAddress.Parse(part[..dash]);
            var lastText = part[(dash + 1)..];
            if (first.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new FormatException($"'{part}': ranges are IPv4 only.");
            }

            // "127.0.0.5-9" is shorthand for "127.0.0.5-127.0.0.9".
            if (!lastText.Contains('.', StringComparison.Ordinal))
            {
                lastText = string.Concat(part[..part.LastIndexOf('.', dash)], ".", lastText);
            }

            var from = ToNumber(first);
            var to = ToNumber(IPAddress.Parse(lastText));
            if (to < from || to - from > 65_535)
            {
                throw new FormatException($"'{part}' is empty or too wide.");
            }

            for (var n = from; n <= to; n++)
            {
                addresses.Add(FromNumber(n));
            }
        }

        return addresses.Count > 0 ? addresses : throw new FormatException($"'{text}' names no address.");
    }

    private static uint ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static IPAddress FromNumber(uint number)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, number);
        return new IPAddress(bytes);
    }
}
