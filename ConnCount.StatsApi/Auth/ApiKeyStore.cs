using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ConnCount.StatsApi.Auth;

/// <summary>
/// The configured keys, each kept in a slot of the same width (its UTF-8 length, then its bytes, then zeros), so that a
/// presented key is compared in constant time whatever its length, against every key, without an early exit.
/// </summary>
/// <remarks>
/// A slot holds keys of up to <see cref="MaxKeyBytes"/>; the start-up check refuses a longer configured key. A
/// presented key longer than that matches nothing and is not compared: its length says nothing of the keys. Slots
/// replaced SHA-256 hashes of the keys, which cost each request about 6 µs of cold OpenSSL code on the stats path.
/// </remarks>
public sealed class ApiKeyStore(IOptions<ApiKeyOptions> options)
{
    /// <summary>The longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 512;

    private const int SlotBytes = sizeof(ushort) + MaxKeyBytes;

    private readonly byte[][] _read = [.. options.Value.AllKeys().Select(Slot)];
    private readonly byte[][] _admin = [.. options.Value.AllAdminKeys().Select(Slot)];
    private readonly byte[][] _publish = [.. options.Value.AllPublishKeys().Select(Slot)];

    /// <summary>No read key is configured: the stats are open (allowed in Development only).</summary>
    public bool IsOpen => _read.Length == 0;

    /// <summary>How many read keys are configured.</summary>
    public int Count => _read.Length;

    /// <summary>How many admin keys are configured; none disables the admin endpoints.</summary>
    public int AdminCount => _admin.Length;

    /// <summary>How many keys may publish (publish keys and admin keys); none disables server publish.</summary>
    public int PublishCount => _publish.Length + _admin.Length;

    /// <summary>Whether some key is configured both as a read key and as an admin key.</summary>
    public bool AnyKeyInBothLists => _read.Any(r => _admin.Any(a => CryptographicOperations.FixedTimeEquals(r, a)));

    /// <summary>Whether some configured key is longer than <see cref="MaxKeyBytes"/> (it could never match).</summary>
    public bool AnyKeyTooLong => _read.Concat(_admin).Concat(_publish).Any(s => s.Length == 0);

    /// <summary>
    /// What <paramref name="presented"/> is: an admin key, else a publish key, else a read key, else none. The key is
    /// compared with every configured key, whatever matched first.
    /// </summary>
    public ApiKeyKind Identify(string presented)
    {
        Span<byte> slot = stackalloc byte[SlotBytes];
        if (!TryFill(presented, slot))
        {
            return ApiKeyKind.None;
        }

        var admin = MatchesAny(slot, _admin);
        var publish = MatchesAny(slot, _publish);
        var read = MatchesAny(slot, _read);
        return admin ? ApiKeyKind.Admin : publish ? ApiKeyKind.Publish : read ? ApiKeyKind.Read : ApiKeyKind.None;
    }

    private static bool MatchesAny(ReadOnlySpan<byte> slot, byte[][] known)
    {
        var match = false;
        foreach (var k in known)
        {
            match |= CryptographicOperations.FixedTimeEquals(slot, k);
        }

        return match;
    }

    /// <summary>The key's slot; empty (matching nothing) for a key longer than <see cref="MaxKeyBytes"/>.</summary>
    private static byte[] Slot(string key)
    {
        var slot = new byte[SlotBytes];
        return TryFill(key, slot) ? slot : [];
    }

    private static bool TryFill(string key, Span<byte> slot)
    {
        slot.Clear();
        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes)
        {
            return false;
        }

        var written = Encoding.UTF8.GetBytes(key, slot[sizeof(ushort)..]);
        BinaryPrimitives.WriteUInt16BigEndian(slot, (ushort)written);
        return true;
    }
}
