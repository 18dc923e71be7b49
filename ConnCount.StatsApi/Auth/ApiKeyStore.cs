using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ConnCount.StatsApi.Auth;

/// <summary>
/// The configured keys, kept as SHA-256 hashes so that a presented key is compared in constant time
/// whatever its length, against every key, without an early exit.
/// </summary>
public sealed class ApiKeyStore(IOptions<ApiKeyOptions> options)
{
    private readonly byte[][] _readHashes = [.. options.Value.AllKeys().Select(Hash)];
    private readonly byte[][] _adminHashes = [.. options.Value.AllAdminKeys().Select(Hash)];
    private readonly byte[][] _publishHashes = [.. options.Value.AllPublishKeys().Select(Hash)];

    /// <summary>No read key is configured: the stats are open (allowed in Development only).</summary>
    public bool IsOpen => _readHashes.Length == 0;

    /// <summary>How many read keys are configured.</summary>
    public int Count => _readHashes.Length;

    /// <summary>How many admin keys are configured; none disables the admin endpoints.</summary>
    public int AdminCount => _adminHashes.Length;

    /// <summary>How many keys may publish (publish keys and admin keys); none disables server publish.</summary>
    public int PublishCount => _publishHashes.Length + _adminHashes.Length;

    /// <summary>Whether some key is configured both as a read key and as an admin key.</summary>
    public bool AnyKeyInBothLists => _readHashes.Any(r => _adminHashes.Any(a => CryptographicOperations.FixedTimeEquals(r, a)));

    /// <summary>Whether <paramref name="presented"/> is one of the configured read keys.</summary>
    public bool Matches(string presented) => MatchesAny(Hash(presented), _readHashes);

    /// <summary>Whether <paramref name="presented"/> is one of the configured admin keys.</summary>
    public bool MatchesAdmin(string presented) => MatchesAny(Hash(presented), _adminHashes);

    /// <summary>Whether <paramref name="presented"/> is one of the configured publish keys.</summary>
    public bool MatchesPublish(string presented) => MatchesAny(Hash(presented), _publishHashes);

    private static bool MatchesAny(byte[] hash, byte[][] known)
    {
        var match = false;
        foreach (var k in known)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, k);
        }

        return match;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
