using System.Runtime.InteropServices;

namespace ConnCount.SocketNode.Sockets;

/// <summary>The number of open sockets on this node, on a cache line of its own: every connect and close writes it.</summary>
[StructLayout(LayoutKind.Explicit, Size = 2 * 64)]
public sealed class OpenSockets
{
    [FieldOffset(64)]
    private long _count;

    /// <summary>Open sockets on this node.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Opens a socket only while fewer than <paramref name="max"/> are open; false means refuse it.</summary>
    public bool TryOpen(long max)
    {
        while (true)
        {
            var current = Volatile.Read(ref _count);
            if (current >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _count, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>A socket that <see cref="TryOpen"/> opened has closed.</summary>
    public void Closed() => Interlocked.Decrement(ref _count);
}
