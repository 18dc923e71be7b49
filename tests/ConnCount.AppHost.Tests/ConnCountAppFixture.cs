using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The whole AppHost (NATS, three socket nodes, the stats API) started once for a test class, on random
/// ports and without the dashboard, and ready: every resource healthy and all three nodes answering.
/// </summary>
public sealed class ConnCountAppFixture : IAsyncLifetime
{
    public const int SocketNodeReplicas = 3;

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost has not started.");

    /// <summary>The proxied <c>http</c> endpoint in front of the socket node replicas.</summary>
    public Uri SocketEndpoint { get; private set; } = null!;

    /// <summary>A client of the stats API that sends the API key.</summary>
    public HttpClient StatsApi { get; private set; } = null!;

    /// <summary>The stats API's key, chosen by the test instead of generated, so requests can carry it.</summary>
    public string StatsApiKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public async Task InitializeAsync()
    {
        using var startup = new CancellationTokenSource(StartupTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ConnCount_AppHost>(
            ["--ConnCount:RandomPorts=true", $"--Parameters:statsapi-key={StatsApiKey}"],
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
            await notifications.WaitForResourceHealthyAsync("nats", startup.Token);
            await WaitForHealthyReplicasAsync(notifications, "socketnode", SocketNodeReplicas, startup.Token);
            await notifications.WaitForResourceHealthyAsync("statsapi", startup.Token);

            SocketEndpoint = _app.GetEndpoint("socketnode", "http");
            StatsApi = _app.CreateHttpClient("statsapi", "http");
            StatsApi.DefaultRequestHeaders.Add("X-Api-Key", StatsApiKey);

            // Healthy replicas may not have announced themselves over NATS yet.
            var stats = await Eventually.ReachAsync(GetClusterStatsAsync, s => s.ClusterSize == SocketNodeReplicas, StartupTimeout, startup.Token);
            Assert.Equal(SocketNodeReplicas, stats.ClusterSize);
        }
        catch
        {
            // xunit does not dispose a fixture whose initialisation failed: stop DCP and the services here.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        StatsApi?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>The cluster as <c>GET /api/stats</c> reports it.</summary>
    public async Task<ClusterStatsView> GetClusterStatsAsync(CancellationToken cancellationToken) =>
        await StatsApi.GetFromJsonAsync<ClusterStatsView>("/api/stats", WireJson.Options, cancellationToken)
            ?? throw new InvalidOperationException("GET /api/stats answered null.");

    // WaitForResourceHealthyAsync returns when any one replica is healthy; these tests need them all.
    private static async Task WaitForHealthyReplicasAsync(ResourceNotificationService notifications, string resourceName, int replicas, CancellationToken cancellationToken)
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
    }
}
