using System.Text.Json;
using Aspire.Hosting;

namespace ConnCount.AppHost.Tests;

/// <summary>The whole AppHost with <c>ConnCount:Nats:Servers=3</c>: three routed <c>nats-server</c> processes.</summary>
public sealed class NatsClusterAppFixture() : ConnCountAppFixture(["--ConnCount:Nats:Servers=3"], ["nats-0", "nats-1", "nats-2"])
{
    /// <summary>The name the socket node gives its NATS connection: its application name.</summary>
    public const string SocketNodeClientName = "ConnCount.SocketNode";

    /// <summary>The name the stats API gives its NATS connection.</summary>
    public const string StatsApiClientName = "ConnCount.StatsApi";

    private readonly HttpClient _monitor = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// How many clients each application has on <paramref name="server"/>, by client name (the service's
    /// application name), from the server's <c>/connz</c> monitoring page.
    /// </summary>
    public async Task<Dictionary<string, int>> ClientsOnAsync(string server, CancellationToken cancellationToken)
    {
        var connz = new Uri(App.GetEndpoint(server, "monitor"), "/connz");
        using var document = JsonDocument.Parse(await _monitor.GetStringAsync(connz, cancellationToken));
        return document.RootElement.GetProperty("connections").EnumerateArray()
            .Select(c => c.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "")
            .CountBy(name => name)
            .ToDictionary(c => c.Key, c => c.Value);
    }

    /// <summary>The socket nodes (processes, not sockets) connected to each running server.</summary>
    public async Task<Dictionary<string, int>> SocketNodesPerServerAsync(IEnumerable<string> servers, CancellationToken cancellationToken)
    {
        var perServer = new Dictionary<string, int>();
        foreach (var server in servers)
        {
            perServer[server] = (await ClientsOnAsync(server, cancellationToken)).GetValueOrDefault(SocketNodeClientName);
        }

        return perServer;
    }

    public override async Task DisposeAsync()
    {
        _monitor.Dispose();
        await base.DisposeAsync();
    }
}
