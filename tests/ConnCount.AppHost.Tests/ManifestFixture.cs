using System.Security.Cryptography;
using System.Text.Json;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The deployment manifest, generated once as <c>azd</c> generates it: the AppHost run as its own process with
/// <c>--publisher manifest</c>. The secrets are given known values so the tests can look for them.
/// </summary>
public sealed class ManifestFixture : IAsyncLifetime
{
    public static readonly string[] SecretParameters = ["statsapi-key", "statsapi-admin-key", "nats-password", "join-signing-key", "node-admin-key"];

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(90);

    private readonly string _outputPath = Directory.CreateTempSubdirectory("conncount-manifest-").FullName;

    /// <summary>The value given to each secret parameter.</summary>
    public Dictionary<string, string> Secrets { get; } = SecretParameters.ToDictionary(
        name => name, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));

    /// <summary>The manifest as written.</summary>
    public string Text { get; private set; } = "";

    /// <summary>The manifest's <c>resources</c> object.</summary>
    public JsonElement Resources { get; private set; }

    public async Task InitializeAsync()
    {
        // The AppHost built next to this test assembly, run the way `dotnet run --project ConnCount.AppHost` would.
        string[] args =
        [
            Path.Combine(AppContext.BaseDirectory, "ConnCount.AppHost.dll"),
            "--publisher", "manifest",
            "--output-path", _outputPath,
            .. Secrets.Select(s => $"--Parameters:{s.Key}={s.Value}"),
        ];
        await using var process = ExternalProcess.Start("dotnet", args, workingDirectory: AppContext.BaseDirectory);
        await process.WaitForExitAsync(PublishTimeout);

        Assert.True(process.ExitCode == 0, $"Publishing failed ({process.ExitCode}):\n{process.Output}");
        Text = await File.ReadAllTextAsync(Path.Combine(_outputPath, "aspire-manifest.json"));
        Resources = JsonDocument.Parse(Text).RootElement.GetProperty("resources").Clone();
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_outputPath, recursive: true);
        return Task.CompletedTask;
    }
}
