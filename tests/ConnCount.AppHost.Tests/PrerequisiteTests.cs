using System.Diagnostics;

namespace ConnCount.AppHost.Tests;

/// <summary>What <c>dotnet run --project ConnCount.AppHost</c> says on a machine that cannot run NATS.</summary>
public class PrerequisiteTests
{
    [Fact]
    public async Task Without_nats_server_or_a_container_runtime_the_AppHost_says_in_one_line_what_to_install()
    {
        var dotnet = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "dotnet"))
            .First(File.Exists);
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ConnCount.AppHost.dll"));
        // A PATH with only the .NET host on it, and a container runtime that does not exist.
        start.Environment["PATH"] = Path.GetDirectoryName(Path.GetFullPath(dotnet))!;
        start.Environment["ASPIRE_CONTAINER_RUNTIME"] = "conncount-no-such-runtime";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var error = (await stderr).Trim();
        Assert.NotEqual(0, process.ExitCode);
        Assert.Single(error.Split('\n'));
        Assert.Contains("apt-get install -y nats-server", error, StringComparison.Ordinal);
        Assert.Contains("conncount-no-such-runtime", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + await stdout, StringComparison.Ordinal);
    }
}
