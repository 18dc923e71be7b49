using System.Globalization;

namespace ConnCount.GatherBench;

/// <summary>The command line of one run, validated.</summary>
internal sealed record GatherOptions
{
    public const string Usage = """
        usage: ConnCount.GatherBench <mode> [options]

        modes:
          nats      raw scatter-gather: request conncount.v1.stats, wait for exactly --nodes replies; p50/p99 over --iterations
          http      GET --url one at a time; p50/p99 over --iterations
          paired    the raw gather and GET --url taken in turn (which goes first alternates), so both see the same
                    machine: p50/p99 of each over --iterations pairs; the fair ratio of the two
          pollers   --pollers concurrent HTTP pollers for --duration: req/s and latency; a burst of --pollers requests
                    released at once first; a separate NATS subscriber counts the gathers (requests on conncount.v1.stats)
                    so the report shows how many HTTP requests shared one gather
          verify    compare GET --url with the sum of LoadGen reports (--ledger a.json,b.json): every topic, the
                    totals, the sockets; retried for --duration until exact; exit 1 on a mismatch
          watch     poll GET --url every 100 ms for --duration or until --stop-file exists; exit 1 if any count
                    was ever negative

        options:
          --nats URL          NATS server                          default nats://127.0.0.1:4222
          --url URL           stats endpoint                       default http://127.0.0.1:5080/api/stats
          --api-key KEY       sent as X-Api-Key
          --nodes K           replies a raw gather waits for       (nats, paired: required; http/pollers: checks cluster_size)
          --iterations N      measured requests                    default 2000
          --warmup N          requests before measuring            default 200
          --timeout D         per gather / request, e.g. 2s        default 2s
          --pollers P         concurrent pollers                   default 1000
          --duration D        pollers measuring window             default 10s
          --json PATH         write the JSON report to PATH
          --ledger LIST       verify: comma-separated LoadGen JSON reports
          --stop-file PATH    watch: stop once this file exists
        """;

    public required string Mode { get; init; }

    public string NatsUrl { get; init; } = "nats://127.0.0.1:4222";

    public Uri StatsUrl { get; init; } = new("http://127.0.0.1:5080/api/stats");

    public string? ApiKey { get; init; }

    public int Nodes { get; init; }

    public int Iterations { get; init; } = 2000;

    public int Warmup { get; init; } = 200;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    public int Pollers { get; init; } = 1000;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public string? JsonPath { get; init; }

    /// <summary>LoadGen reports whose ledgers <c>verify</c> adds up.</summary>
    public IReadOnlyList<string> Ledgers { get; init; } = [];

    /// <summary><c>watch</c> stops once this file exists.</summary>
    public string StopFile { get; init; } = "";

    public static GatherOptions Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("nats" or "http" or "paired" or "pollers" or "verify" or "watch"))
        {
            throw new FormatException("The first argument must be a mode: nats, http, paired, pollers, verify or watch.");
        }

        var options = new GatherOptions { Mode = args[0] };
        for (var i = 1; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length || !args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new FormatException($"'{args[i]}' is not an option with a value.");
            }

            var value = args[i + 1];
            options = args[i][2..] switch
            {
                "nats" => options with { NatsUrl = value },
                "url" => options with { StatsUrl = new Uri(value) },
                "api-key" => options with { ApiKey = value },
                "nodes" => options with { Nodes = Positive(value) },
                "iterations" => options with { Iterations = Positive(value) },
                "warmup" => options with { Warmup = int.Parse(value, CultureInfo.InvariantCulture) },
                "timeout" => options with { Timeout = ParseDuration(value) },
                "pollers" => options with { Pollers = Positive(value) },
                "duration" => options with { Duration = ParseDuration(value) },
                "json" => options with { JsonPath = value },
                "stop-file" => options with { StopFile = value },
                "ledger" => options with { Ledgers = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                _ => throw new FormatException($"Unknown option {args[i]}."),
            };
        }

        if (options.Mode is "nats" or "paired" && options.Nodes == 0)
        {
            throw new FormatException($"Mode {options.Mode} needs --nodes K: a gather is complete when K nodes have answered.");
        }

        if (options.Mode == "verify" && options.Ledgers.Count == 0)
        {
            throw new FormatException("Mode verify needs --ledger with at least one LoadGen report.");
        }

        return options;
    }

    private static int Positive(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"'{text}' is not a positive integer.");

    private static TimeSpan ParseDuration(string text)
    {
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds(value * scale)
            : throw new FormatException($"'{text}' is not a duration (500ms, 2s, 1m).");
    }
}
