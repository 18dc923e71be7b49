using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>Asks the container runtime Aspire would use whether its engine answers (a client alone is not enough).</summary>
internal static class ContainerRuntimeProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The runtime Aspire picks: <c>ASPIRE_CONTAINER_RUNTIME</c> (or its older <c>DOTNET_</c> name), else docker.</summary>
    public static string Name(IConfiguration configuration) =>
        configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } name ? name
        : configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } legacy ? legacy
        : "docker";

    /// <summary>True when <c>{runtime} info</c> exits with 0 within a few seconds.</summary>
    public static bool Answers(string runtime)
    {
        var start = new ProcessStartInfo(runtime)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("info");
        start.ArgumentList.Add("--format");
        start.ArgumentList.Add("{{.ServerVersion}}");
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return false;
            }

            // Drain the output so a chatty client cannot block on a full pipe.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not installed.
            return false;
        }
    }
}
