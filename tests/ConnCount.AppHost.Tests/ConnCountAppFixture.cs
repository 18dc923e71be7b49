using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The whole AppHost (NATS, three socket nodes, the stats API) started once, on random ports and without the
/// dashboard, and ready: every resource healthy and all three nodes answering.
/// </summary>
public class ConnCountAppFixture : IAsyncLifetime
{
    public const int SocketNodeReplicas = 3;

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(120);

    private readonly string[] _args;
    private DistributedApplication? _app;

    /// <summary>The AppHost as <c>dotnet run</c> starts it: one NATS server.</summary>
    public ConnCountAppFixture() : this([], ["nats"])
    {
    }

    /// <param name="args">Configuration for the AppHost beyond ports and the API key.</param>
    /// <param name="natsServers">The NATS server resources those arguments produce.</param>
    protected ConnCountAppFixture(string[] args, string[] natsServers)
    {
        _args = args;
        NatsServers = natsServers;
    }

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    /// <summary>The names of the NATS server resources.</summary>
    public IReadOnlyList<string> NatsServers { get; }

    /// <summary>
    /// The JetStream stores' folder (<c>ConnCount:Nats:DataPath</c>): a fresh one per fixture, removed on dispose, so no
    /// test sees usage an earlier run stored and none shares a store with an AppHost a developer runs.
    /// </summary>
    public string NatsDataPath { get; } = Directory.CreateTempSubdirectory("conncount-apphost-nats-").FullName;

    /// <summary>The resource ids of the socket node's replicas, as the dashboard and resource commands name them.</summary>
    public IReadOnlyList<string> SocketNodeReplicaIds { get; private set; } = [];

    /// <summary>The proxied <c>http</c> endpoint in front of the socket node replicas.</summary>
    public Uri SocketEndpoint { get; private set; } = null!;

    /// <summary>A client of the stats API that sends the API key.</summary>
    public HttpClient StatsApi { get; private set; } = null!;

    /// <summary>The stats API's key, chosen by the test instead of generated, so requests can carry it.</summary>
    public string StatsApiKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>The stats API's admin key (<c>statsapi-admin-key</c>), chosen by the test.</summary>
    public string StatsApiAdminKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>A client of the stats API that sends the admin key.</summary>
    public HttpClient StatsApiAdmin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var startup = new CancellationTokenSource(StartupTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ConnCount_AppHost>(
            ["--ConnCount:RandomPorts=true", $"--ConnCount:Nats:DataPath={NatsDataPath}", $"--Parameters:statsapi-key={StatsApiKey}", $"--Parameters:statsapi-admin-key={StatsApiAdminKey}", .. _args],
            (options, _) => options.DisableDashboard = true,
            startup.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting", LogLevel.Warning));

        _app = await builder.BuildAsync(startup.Token);
        try
        {
            await _app.StartAsync(startup.Token);

            var notifications = _app.ResourceNotifications;
            foreach (var server in NatsServers)
            {
                await notifications.WaitForResourceHealthyAsync(server, startup.Token);
            }

            SocketNodeReplicaIds = await WaitForHealthyReplicasAsync(notifications, "socketnode", SocketNodeReplicas, startup.Token);
            await notifications.WaitForResourceHealthyAsync("statsapi", startup.Token);

            SocketEndpoint = _app.GetEndpoint("socketnode", "http");
            StatsApi = _app.CreateHttpClient("statsapi", "http");
            StatsApi.DefaultRequestHeaders.Add("X-Api-Key", StatsApiKey);
            StatsApiAdmin = _app.CreateHttpClient("statsapi", "http");
            StatsApiAdmin.DefaultRequestHeaders.Add("X-Api-Key", StatsApiAdminKey);

            // Healthy replicas may not have announced themselves over NATS yet.
            var stats = await Eventually.MatchAsync(GetClusterStatsAsync, s => s.ClusterSize == SocketNodeReplicas, StartupTimeout, cancellationToken: startup.Token);
            Assert.Equal(SocketNodeReplicas, stats.ClusterSize);
        }
        catch
        {
            // xunit does not dispose a fixture whose initialisation failed: stop DCP and the services here.
            await DisposeAsync();
            throw;
        }
    }

    public virtual async Task DisposeAsync()
    {
        StatsApi?.Dispose();
        StatsApiAdmin?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        if (Directory.Exists(NatsDataPath))
        {
            Directory.Delete(NatsDataPath, recursive: true);
        }
    }

    /// <summary>The cluster as <c>GET /api/stats</c> reports it.</summary>
    public async Task<ClusterStatsView> GetClusterStatsAsync(CancellationToken cancellationToken) =>
        await StatsApi.GetFromJsonAsync<ClusterStatsView>("/api/stats", WireJson.Options, cancellationToken)
            ?? throw new InvalidOperationException("GET /api/stats answered null.");

    /// <summary>A replica's current snapshot, as the dashboard shows it.</summary>
    public CustomResourceSnapshot SnapshotOf(string resourceId) =>
        App.ResourceNotifications.TryGetCurrentState(resourceId, out var resource)
            ? resource.Snapshot
            : throw new InvalidOperationException($"No resource '{resourceId}'.");

    /// <summary>Runs a resource command, as the dashboard's command menu does.</summary>
    /// <param name="resourceId">A replica's resource id, or the name of a resource that has one instance.</param>
    public Task<ExecuteCommandResult> ExecuteCommandAsync(string resourceId, string commandName, CancellationToken cancellationToken) =>
        App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resourceId, commandName, cancellationToken);

    /// <summary>An environment variable as the resource's process (one replica) was started with.</summary>
    public string? EnvironmentOf(string resourceId, string name) =>
        App.ResourceNotifications.TryGetCurrentState(resourceId, out var resource)
            ? resource.Snapshot.EnvironmentVariables.FirstOrDefault(e => e.Name == name)?.Value
            : throw new InvalidOperationException($"No resource '{resourceId}'.");

    /// <summary>The node id a socket-node replica reports: its <c>service.instance.id</c>.</summary>
    public string NodeIdOf(string replicaId)
    {
        var attributes = EnvironmentOf(replicaId, "OTEL_RESOURCE_ATTRIBUTES") ?? "";
        return attributes.Split(',', StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0] == "service.instance.id")
            .Select(pair => pair[1])
            .Single();
    }

    /// <summary>The address one replica listens on behind Aspire's proxy.</summary>
    public Uri ReplicaEndpoint(string replicaId)
    {
        var urls = EnvironmentOf(replicaId, "ASPNETCORE_URLS")
            ?? throw new InvalidOperationException($"'{replicaId}' was started without ASPNETCORE_URLS.");
        return new Uri(urls.Split(';')[0]);
    }

    // WaitForResourceHealthyAsync returns when any one replica is healthy; these tests need them all.
    private static async Task<IReadOnlyList<string>> WaitForHealthyReplicasAsync(ResourceNotificationService notifications, string resourceName, int replicas, CancellationToken cancellationToken)
    {
        var healthy = new HashSet<string>(StringComparer.Ordinal);
        await notifications.WaitForResourceAsync(resourceName, resourceEvent =>
        {
            if (resourceEvent.Snapshot.HealthStatus == HealthStatus.Healthy)
            {
                healthy.Add(resourceEvent.ResourceId);
            }
            else
            {
                healthy.Remove(resourceEvent.ResourceId);
            }

            return healthy.Count == replicas;
        }, cancellationToken);
        return [.. healthy.Order(StringComparer.Ordinal)];
    }
}
