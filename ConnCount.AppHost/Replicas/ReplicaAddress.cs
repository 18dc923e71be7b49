using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Where one replica listens behind Aspire's proxy.</summary>
internal static class ReplicaAddress
{
    /// <summary>
    /// The replica's own address, from the environment DCP launched it with: <c>ASPNETCORE_URLS</c> holds the
    /// port this replica listens on behind the proxy (<c>HTTP_PORTS</c> where it is not set). Null until DCP has
    /// reported the replica's environment.
    /// </summary>
    public static Uri? Of(CustomResourceSnapshot snapshot)
    {
        var environment = snapshot.EnvironmentVariables
            .GroupBy(e => e.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

        if (environment.GetValueOrDefault("ASPNETCORE_URLS") is { Length: > 0 } urls)
        {
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp)
                {
                    return uri;
                }
            }
        }

        if (environment.GetValueOrDefault("HTTP_PORTS") is { Length: > 0 } ports
            && int.TryParse(ports.Split(';')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            return new UriBuilder(Uri.UriSchemeHttp, "localhost", port).Uri;
        }

        return null;
    }
}
