using System.Globalization;
using System.Text.Json;

namespace ConnCount.LoadGen.Reporting;

/// <summary>
/// Writes the one-line human summary and the JSON report. The JSON file appears atomically (written to
/// <c>.tmp</c>, then renamed), so a script may poll for it while the sockets linger.
/// </summary>
internal static class ReportWriter
{
    public static async Task WriteAsync(RunReport report, string? jsonPath, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport);
        var toStdout = jsonPath == "-";
        (toStdout ? Console.Error : Console.Out).WriteLine(Summarize(report));

        if (toStdout)
        {
            Console.Out.WriteLine(json);
        }
        else if (jsonPath is not null)
        {
            var full = Path.GetFullPath(jsonPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var temporary = full + ".tmp";
            await File.WriteAllTextAsync(temporary, json + Environment.NewLine, cancellationToken);
            File.Move(temporary, full, overwrite: true);
        }
    }

    public static string Summarize(RunReport report)
    {
        var c = report.Counters;
        var inv = CultureInfo.InvariantCulture;
        var line = string.Create(inv, $"{report.Mode}{(report.Complete ? "" : " (interrupted)")}: {report.Rate.Count} {report.Rate.Unit} in {report.Rate.Seconds:F2} s ({report.Rate.PerSecond:F1}/s)");
        line += string.Create(inv, $"; sockets opened {c["sockets_opened"]} failed {c["sockets_failed"]} closed {c["sockets_closed"]} aborted {c["sockets_aborted"]} server-dropped {c["server_disconnects"]}");
        line += string.Create(inv, $"; joins {c["joins_acked"]}/{c["joins_sent"]} acked ({c["joins_refused"]} refused), leaves {c["leaves_acked"]}/{c["leaves_sent"]}, timeouts {c["timeouts"]}");
        if (report.LatencyMs.TryGetValue("connect", out var connect))
        {
            line += string.Create(inv, $"; connect p50 {connect.P50Ms:F3} p99 {connect.P99Ms:F3} max {connect.MaxMs:F3} ms");
        }

        line += string.Create(inv, $"; ledger {report.Ledger.Total} over {report.Ledger.TopicCount} topics{(report.RepliesSettled ? "" : " (replies still pending)")}");
        line += string.Create(inv, $"; client working set {report.Process.WorkingSetBytes / 1048576.0:F1} MiB, per open socket {report.Process.WorkingSetBytesPerSocket / 1024:F1} KiB (live heap {report.Process.LiveHeapBytesPerSocket / 1024:F1} KiB)");
        return line;
    }
}
