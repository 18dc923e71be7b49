namespace ConnCount.AppHost.Tests;

/// <summary>The AppHost built next to the tests, run as its own process the way <c>dotnet run --project ConnCount.AppHost</c> runs it.</summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly ExternalProcess _process;

    private AppHostProcess(ExternalProcess process) => _process = process;

    /// <summary>Everything written to stdout and stderr so far.</summary>
    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode ?? throw new InvalidOperationException("The AppHost has not exited.");

    /// <summary>The <c>dotnet</c> host on PATH.</summary>
    public static string Dotnet { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "dotnet"))
        .First(File.Exists);

    /// <param name="args">AppHost arguments.</param>
    /// <param name="environment">Variables set on top of this process's (the launch profile's, by default).</param>
    public static AppHostProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        // What the AppHost's `http` launch profile sets.
        var variables = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = "http://localhost:15080",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://localhost:19080",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://localhost:20080",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            variables[key] = value;
        }

        return new AppHostProcess(ExternalProcess.Start(
            Dotnet,
            [Path.Combine(AppContext.BaseDirectory, "ConnCount.AppHost.dll"), .. args],
            variables,
            AppContext.BaseDirectory,
            keptLines: int.MaxValue));
    }

    /// <summary>Waits until the output shows <paramref name="text"/>, or the process exits, or the timeout passes.</summary>
    public Task<bool> WaitForOutputAsync(string text, TimeSpan timeout) =>
        _process.WaitForOutputAsync(output => output.Contains(text, StringComparison.Ordinal), timeout);

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
