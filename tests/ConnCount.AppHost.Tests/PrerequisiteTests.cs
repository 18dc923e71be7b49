using System.Text.RegularExpressions;

namespace ConnCount.AppHost.Tests;

/// <summary>What a newcomer meets first when running the AppHost: a clear line when NATS cannot run, and side-by-side clusters.</summary>
public partial class PrerequisiteTests
{
    [Fact]
    public async Task Without_nats_server_or_a_container_runtime_the_AppHost_says_in_one_line_what_to_install()
    {
        // A PATH with only the .NET host on it, and a container runtime that does not exist.
        await using var appHost = AppHostProcess.Start([], new Dictionary<string, string>
        {
            ["PATH"] = Path.GetDirectoryName(Path.GetFullPath(AppHostProcess.Dotnet))!,
            ["ASPIRE_CONTAINER_RUNTIME"] = "conncount-no-such-runtime",
        });
        await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60));

        var output = appHost.Output.Trim();
        Assert.NotEqual(0, appHost.ExitCode);
        Assert.Single(output.Split('\n'));
        Assert.Contains("apt-get install -y nats-server", output, StringComparison.Ordinal);
        Assert.Contains("conncount-no-such-runtime", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_AppHosts_with_random_ports_run_side_by_side_with_dashboards_of_their_own()
    {
        // Each with a JetStream store of its own: two servers must never share one.
        var dataPaths = new[] { Directory.CreateTempSubdirectory("conncount-apphost-nats-"), Directory.CreateTempSubdirectory("conncount-apphost-nats-") };
        try
        {
            await RunSideBySideAsync(dataPaths[0].FullName, dataPaths[1].FullName);
        }
        finally
        {
            Array.ForEach(dataPaths, d => d.Delete(recursive: true));
        }
    }

    private static async Task RunSideBySideAsync(string firstDataPath, string secondDataPath)
    {
        await using var first = AppHostProcess.Start(["--ConnCount:RandomPorts=true", $"--ConnCount:Nats:DataPath={firstDataPath}"]);
        Assert.True(await first.WaitForOutputAsync("Distributed application started", TimeSpan.FromSeconds(90)), first.Output);
        await using var second = AppHostProcess.Start(["--ConnCount:RandomPorts=true", $"--ConnCount:Nats:DataPath={secondDataPath}"]);
        Assert.True(await second.WaitForOutputAsync("Distributed application started", TimeSpan.FromSeconds(90)), second.Output);

        var dashboards = new[] { first, second }.Select(a => LoginUrl().Match(a.Output).Groups["port"].Value).ToList();
        Assert.All(dashboards, port => Assert.NotEqual("", port));
        Assert.DoesNotContain("15080", dashboards);
        Assert.NotEqual(dashboards[0], dashboards[1]);
        Assert.False(first.HasExited || second.HasExited);
        Assert.DoesNotContain("fail:", first.Output + second.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Login URL:\s+http://localhost:(?<port>\d+)/login")]
    private static partial Regex LoginUrl();
}
