using System.Globalization;

namespace ConnCount.SocketNode.Protocol;

/// <summary>
/// One string per small numeric join ref. A membership keeps its join ref for its whole life, and clients number
/// refs from 1 per socket (the official client does), so most sockets hold "1" to a few hundred: shared, each idle
/// socket holds a reference instead of a string of its own.
/// </summary>
internal static class JoinRefs
{
    private const int Shared = 1024;

    private static readonly string?[] Cache = new string?[Shared];

    /// <summary>The shared instance of <paramref name="joinRef"/> when it is a small number in canonical form; itself otherwise.</summary>
    public static string Share(string joinRef)
    {
        if (joinRef.Length is >= 1 and <= 4
            && (joinRef.Length == 1 || joinRef[0] != '0')
            && int.TryParse(joinRef, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n < Shared)
        {
            // A race stores one of two equal strings: either may be kept.
            return Cache[n] ??= joinRef;
        }

        return joinRef;
    }
}
