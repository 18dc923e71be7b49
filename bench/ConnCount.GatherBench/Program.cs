using System.Globalization;
using System.Text.Json;
using ConnCount.GatherBench;

if (args is [] or ["-h" or "--help"])
{
    Console.Out.WriteLine(GatherOptions.Usage);
    return args.Length == 0 ? 2 : 0;
}

GatherOptions options;
try
{
    options = GatherOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(GatherOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

if (options.Mode == "verify")
{
    return await LedgerCheck.RunAsync(options, options.Ledgers, stop.Token);
}

if (options.Mode == "watch")
{
    return await NegativeWatch.RunAsync(options, options.StopFile, stop.Token);
}

var report = options.Mode switch
{
    "nats" => await NatsGather.RunAsync(options, stop.Token),
    "http" => await StatsHttp.RunLatencyAsync(options, stop.Token),
    "paired" => await PairedGather.RunAsync(options, stop.Token),
    _ => await Pollers.RunAsync(options, stop.Token),
};

var inv = CultureInfo.InvariantCulture;
var l = report.Latency;
var line = string.Create(inv, $"{report.Mode} {report.Target}: n={l.Count} p50 {l.P50Ms:F3} ms p90 {l.P90Ms:F3} ms p99 {l.P99Ms:F3} ms max {l.MaxMs:F3} ms; errors {report.Errors} timeouts {report.Timeouts}");
if (report.Raw is { } raw)
{
    line += string.Create(inv, $"; raw gathers taken in turn: p50 {raw.P50Ms:F3} ms p90 {raw.P90Ms:F3} ms p99 {raw.P99Ms:F3} ms; p50 ratio {l.P50Ms / raw.P50Ms:F2}");
}

if (report.Pollers is { } p)
{
    line += string.Create(inv, $"; {p.Pollers} pollers: {p.RequestsPerSecond:F0} req/s, {p.Requests} requests over {p.Gathers} gathers ({p.RequestsPerGather:F1} per gather); burst of {p.BurstRequests} requests caused {p.BurstGathers} gathers");
}

Console.Out.WriteLine(line);
if (options.JsonPath is { } path)
{
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, GatherJsonContext.Default.GatherReport), CancellationToken.None);
}

return report.Errors + report.Timeouts > 0 ? 1 : 0;
