using System.Net;
using System.Net.Sockets;

namespace ConnCount.LoadGen.Transport;

/// <summary>Assigns the n-th socket of a run to a URL and a source address, both round-robin.</summary>
internal sealed class TargetPlan
{
    private readonly Target[] _targets;
    private readonly int _urlCount;

    private TargetPlan(Target[] targets, int urlCount)
    {
        _targets = targets;
        _urlCount = urlCount;
    }

    /// <summary>Resolves every URL once, up front, so a connect never waits on DNS.</summary>
    public static async Task<TargetPlan> CreateAsync(IReadOnlyList<Uri> urls, IReadOnlyList<IPAddress> sources, CancellationToken cancellationToken)
    {
        var remotes = new IPEndPoint[urls.Count];
        for (var i = 0; i < urls.Count; i++)
        {
            remotes[i] = new IPEndPoint(await ResolveAsync(urls[i].Host, cancellationToken), urls[i].Port);
        }

        // Laid out url-major so that sequence n maps to url n % U and source (n / U) % S:
        // every URL sees every source address even when U and S share a factor.
        var sourceCount = Math.Max(1, sources.Count);
        var targets = new Target[urls.Count * sourceCount];
        for (var s = 0; s < sourceCount; s++)
        {
            for (var u = 0; u < urls.Count; u++)
            {
                targets[(s * urls.Count) + u] = new Target(urls[u], remotes[u], sources.Count == 0 ? null : sources[s]);
            }
        }

        return new TargetPlan(targets, urls.Count);
    }

    public int UrlCount => _urlCount;

    public Target For(long sequence) => _targets[sequence % _targets.Length];

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return literal;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"'{host}' resolves to no address.");
    }
}
