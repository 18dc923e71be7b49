using System.Diagnostics;

namespace ConnCount.Tests.Infrastructure;

/// <summary>Runs scripts under Node.js from <c>tests/js</c>, installing its npm packages once.</summary>
public static class NodeJs
{
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    public static string Folder { get; } = Path.Combine(RepoPaths.Root, "tests", "js");

    /// <summary>Runs a script until <paramref name="done"/> is seen in its output (then stops it) or it exits.</summary>
    public static async Task<string> RunAsync(string script, IEnumerable<string> args, Func<string, bool> done, TimeSpan timeout)
    {
        await Installed.Value;
        var process = ExternalProcess.Start("node", [script, .. args], workingDirectory: Folder);
        await using (process)
        {
            await process.WaitForOutputAsync(done, timeout);

            // Let the last lines of an exiting process be read.
            await process.WaitForExitAsync(TimeSpan.FromSeconds(1));
            return process.Output;
        }
    }

    /// <summary>Starts a script that runs until stopped; read its output with <see cref="ExternalProcess.WaitForOutputAsync"/>.</summary>
    public static async Task<ExternalProcess> StartAsync(string script, IEnumerable<string> args)
    {
        await Installed.Value;
        return ExternalProcess.Start("node", [script, .. args], workingDirectory: Folder);
    }

    /// <summary>Runs a script until it exits by itself; its output and exit code (null when it was still running at the timeout).</summary>
    public static async Task<(string Output, int? ExitCode)> RunToExitAsync(string script, TimeSpan timeout)
    {
        await Installed.Value;
        var process = ExternalProcess.Start("node", [script], workingDirectory: Folder);
        await using (process)
        {
            await process.WaitForExitAsync(timeout);
            return (process.Output, process.ExitCode);
        }
    }

    private static async Task InstallAsync()
    {
        var info = new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund"])
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(info)!;
        var output = npm.StandardOutput.ReadToEndAsync();
        var errors = npm.StandardError.ReadToEndAsync();
        await npm.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install failed in {Folder}:\n{await output}\n{await errors}");
        }
    }
}
