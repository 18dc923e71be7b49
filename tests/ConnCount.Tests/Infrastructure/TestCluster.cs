using System.Net.Http.Json;
using System.Text.Json;

namespace ConnCount.Tests.Infrastructure;

/// <summary>
/// A real cluster for a test: a <c>nats-server</c> process, socket-node processes and, on demand, a StatsApi
/// process, all on free loopback ports. Timings are shortened so expiry and idle paths run in seconds.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<ExternalProcess> _processes = [];
    private readonly Dictionary<string, string> _settings;

    private TestCluster(Dictionary<string, string> settings) => _settings = settings;

    public int NatsPort { get; private set; }

    /// <summary>When set, nats-server requires these credentials and the services are given them.</summary>
    public (string User, string Password)? NatsCredentials { get; private set; }

    /// <summary>When set, nats-server's <c>max_payload</c> in bytes (1 MB otherwise).</summary>
    public int? NatsMaxPayload { get; private set; }

    public ExternalProcess Nats { get; private set; } = null!;

    /// <summary>Where NATS keeps JetStream's data: the same folder across <see cref="StartNatsAsync"/> restarts, removed on dispose.</summary>
    public string JetStreamDirectory { get; } = Directory.CreateTempSubdirectory("conncount-js-").FullName;

    public HttpClient Api { get; private set; } = null!;

    public ExternalProcess? ApiProcess { get; private set; }

    public Dictionary<string, (ExternalProcess Process, Uri Uri)> Nodes { get; } = [];

    /// <summary>Starts NATS; nodes and the API are started by the test.</summary>
    public static async Task<TestCluster> StartAsync(
        Dictionary<string, string>? settings = null, (string User, string Password)? natsCredentials = null, int? natsMaxPayload = null)
    {
        var cluster = new TestCluster(new Dictionary<string, string>
        {
            ["ConnCount__Cluster__HeartbeatInterval"] = "00:00:00.500",
            ["ConnCount__Cluster__NodeExpiry"] = "00:00:02",
            ["ConnCount__Cluster__GatherTimeout"] = "00:00:01",
        });
        foreach (var (key, value) in settings ?? [])
        {
            cluster._settings[key] = value;
        }

        cluster.NatsCredentials = natsCredentials;
        cluster.NatsMaxPayload = natsMaxPayload;
        await cluster.StartNatsAsync();
        return cluster;
    }

    public async Task StartNatsAsync()
    {
        if (NatsPort == 0)
        {
            NatsPort = FreePort.Next();
        }

        Nats = await NatsServer.StartAsync(NatsPort, NatsCredentials, JetStreamDirectory, NatsMaxPayload);
        _processes.Add(Nats);
    }

    public async Task<Uri> StartNodeAsync(string id, Dictionary<string, string>? settings = null, ServiceLaunch? launch = null)
    {
        var (process, uri) = await StartHealthyAsync(() => StartNodeProcess(id, settings, launch));
        Nodes[id] = (process, uri);
        return uri;
    }

    /// <summary>Starts a node process without waiting for it to be healthy, nor naming it in <see cref="Nodes"/> (it may refuse to start).</summary>
    public (ExternalProcess Process, Uri Uri) StartNodeProcess(string id, Dictionary<string, string>? settings = null, ServiceLaunch? launch = null)
    {
        var port = FreePort.Next();
        var env = Environment(settings);
        env["ConnCount__Node__Id"] = id;
        return (StartService("ConnCount.SocketNode", port, env, launch), new Uri($"http://127.0.0.1:{port}"));
    }

    public async Task<HttpClient> StartApiAsync(Dictionary<string, string>? settings = null, ServiceLaunch? launch = null)
    {
        var (_, uri) = await StartHealthyAsync(() =>
        {
            var port = FreePort.Next();
            // Set before it is healthy: a test of a refused start reads the process's output.
            ApiProcess = StartService("ConnCount.StatsApi", port, Environment(settings), launch);
            return (ApiProcess, new Uri($"http://127.0.0.1:{port}"));
        });
        Api = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(30) };
        return Api;
    }

    /// <summary>The connection string the services get, with credentials when NATS requires them.</summary>
    public string NatsUrl => NatsCredentials is { } c
        ? $"nats://{Uri.EscapeDataString(c.User)}:{Uri.EscapeDataString(c.Password)}@127.0.0.1:{NatsPort}"
        : $"nats://127.0.0.1:{NatsPort}";

    /// <summary>GET /api/stats as JSON.</summary>
    public async Task<JsonElement> GetStatsAsync(string path = "/api/stats")
    {
        using var response = await Api.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        try
        {
            Directory.Delete(JetStreamDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Dictionary<string, string> Environment(Dictionary<string, string>? extra)
    {
        var env = new Dictionary<string, string>(_settings)
        {
            ["ConnectionStrings__nats"] = NatsUrl,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? [])
        {
            env[key] = value;
        }

        return env;
    }

    private ExternalProcess StartService(string project, int port, Dictionary<string, string> env, ServiceLaunch? launch)
    {
        var process = ExternalProcess.Start(
            "dotnet", [RepoPaths.ServiceAssembly(project), "--urls", $"http://127.0.0.1:{port}"], env, launch?.WorkingDirectory, launch?.OnLine);
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Starts a service and waits until it is healthy. A free port can be taken by another process before the service
    /// binds it (the test assemblies run side by side): a start that fails for that alone is tried again on a new port.
    /// </summary>
    private static async Task<(ExternalProcess Process, Uri Uri)> StartHealthyAsync(Func<(ExternalProcess Process, Uri Uri)> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (process, uri) = start();
            try
            {
                await WaitHealthyAsync(uri, process);
                return (process, uri);
            }
            catch (InvalidOperationException) when (attempt < 3 && process.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task WaitHealthyAsync(Uri uri, ExternalProcess process)
    {
        using var http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("Service exited during start:\n" + process.Output);
            }

            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{uri} did not become healthy:\n{process.Output}");
    }
}

/// <summary>How a service process is started: its working directory (default: the test's), and who sees each output line.</summary>
public sealed record ServiceLaunch(string? WorkingDirectory = null, Action<string>? OnLine = null);
