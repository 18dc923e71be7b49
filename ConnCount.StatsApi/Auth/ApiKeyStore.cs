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
    private readonly byte[][] _hashes = [.. options.Value.AllKeys().Select(Hash)];

    /// <summary>No key is configured: the API is open (allowed in Development only).</summary>
    public bool IsOpen => _hashes.Length == 0;

    /// <summary>How many keys are configured.</summary>
    public int Count => _hashes.Length;

    /// <summary>Whether <paramref name="presented"/> is one of the configured keys.</summary>
    public bool Matches(string presented)
    {
        var hash = Hash(presented);
        var match = false;
        foreach (var known in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, known);
        }

        return match;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
