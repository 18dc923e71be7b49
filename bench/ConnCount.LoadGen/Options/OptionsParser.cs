using System.Globalization;

namespace ConnCount.LoadGen.Options;

/// <summary>Turns <c>mode --name value ...</c> into <see cref="LoadGenOptions"/>; throws <see cref="FormatException"/> on anything it does not know.</summary>
internal static class OptionsParser
{
    public const string Usage = """
        usage: ConnCount.LoadGen <mode> [options]

        modes:
          hold           connect --sockets, join --joins-per-socket topics each, hold for --duration, report
          cycle          --concurrency loops of connect, join, leave, close for --duration; reports cycles/s
          connect-close  --concurrency loops of bare connect and close for --duration (no protocol)
          pairs          on --sockets sockets, --window pipelined join/leave pairs each for --duration; reports pairs/s
          churn          --events random join/leave/close/abort events over a pool of --sockets, with a ledger
          fanout         --sockets join topic P0; the first pushes messages, --window in flight, for --duration;
                         reports messages delivered to the others per second (the topic needs a ConnCount:Messages rule)
          fanout-latency --sockets members join topic P0 (round-robin over every --url) and one more socket, the sender,
                         pushes --messages timestamped messages one at a time, each once every member has the one before
                         (then --spacing); per message, the time from its send to the last member receiving it
          presence-latency  a watcher (first --url) joins topic P0, which needs a rule with Presence; a joiner (second
                         --url) joins and leaves it --iterations times; per join, the time from the joiner reading its
                         join reply to the watcher reading the presence_diff with that join

        options:
          --url URL                 target, repeatable; sockets go round-robin (default ws://127.0.0.1:4000/socket/websocket)
          --source-ips LIST         bind client sockets to these local addresses, e.g. 127.0.0.2-127.0.0.9
          --sockets N               sockets held (hold, churn, pairs)             default 1000
          --topics T                topic count                                   default 100
          --topic-prefix P          topic names are P0 .. P(T-1)                  default room:
          --dist D                  uniform | zipf:S                              default uniform
          --joins-per-socket J      distinct topics per held socket               default 1
          --duration D              e.g. 30s, 2m (churn: optional upper bound)    default 10s
          --concurrency C           connection ramp and worker count              default 64
          --window W                pairs in flight per socket                    default 8
          --events E                churn events in total                         default 100000
          --rate R                  churn events per second, 0 = unpaced          default 0
          --mix M                   churn weights                                 default join=40,leave=40,close=10,abort=10
          --messages M              fanout-latency: measured messages             default 100
          --iterations K            presence-latency: measured join/leave rounds  default 200
          --warmup N                latency modes: unmeasured messages / rounds first   default 10
          --spacing D               latency modes: pause after each sample        default 0s
          --max-channels N          channels per socket before a join turns into a leave   default 100
          --protocol P              phoenix | none                                default phoenix (connect-close: none)
          --client K                raw | http (ClientWebSocket)                  default raw
          --heartbeat D             Phoenix heartbeat interval                    default 30s
          --timeout D               connect / ack / close bound                   default 10s
          --linger D                keep sockets open after writing the report    default 0s
          --progress D              progress line on stderr, 0 = off              default 5s
          --seed N                  random seed                                   default 42
          --json PATH               write the JSON report to PATH (- = stdout)
        """;

    public static LoadGenOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw new FormatException("The first argument must be a mode.");
        }

        var mode = ParseMode(args[0]);
        var urls = new List<Uri>();
        var options = new LoadGenOptions { Mode = mode, Urls = urls };
        var protocolGiven = false;

        for (var i = 1; i < args.Count; i++)
        {
            var (name, value) = Split(args, ref i);
            options = name switch
            {
                "url" => AddUrl(options, urls, value),
                "source-ips" => options with { SourceAddresses = AddressRange.Parse(value) },
                "sockets" => options with { Sockets = PositiveInt(name, value) },
                "topics" => options with { Topics = PositiveInt(name, value) },
                "topic-prefix" => options with { TopicPrefix = value },
                "dist" => options with { Distribution = TopicDistribution.Parse(value) },
                "joins-per-socket" => options with { JoinsPerSocket = NonNegativeInt(name, value) },
                "duration" => options with { Duration = DurationText.Parse(value) },
                "concurrency" => options with { Concurrency = PositiveInt(name, value) },
                "window" => options with { Window = PositiveInt(name, value) },
                "events" => options with { Events = PositiveLong(name, value) },
                "rate" => options with { Rate = NonNegativeDouble(name, value) },
                "mix" => options with { Mix = ChurnMix.Parse(value) },
                "messages" => options with { Messages = PositiveInt(name, value) },
                "iterations" => options with { Iterations = PositiveInt(name, value) },
                "warmup" => options with { Warmup = NonNegativeInt(name, value) },
                "spacing" => options with { Spacing = DurationText.Parse(value) },
                "max-channels" => options with { MaxChannelsPerSocket = PositiveInt(name, value) },
                "protocol" => options with { Protocol = ParseEnum<WireProtocol>(name, value) },
                "client" => options with { Client = ParseEnum<ClientKind>(name, value) },
                "heartbeat" => options with { HeartbeatInterval = DurationText.Parse(value) },
                "timeout" => options with { Timeout = DurationText.Parse(value) },
                "linger" => options with { Linger = DurationText.Parse(value) },
                "progress" => options with { Progress = DurationText.Parse(value) },
                "seed" => options with { Seed = NonNegativeInt(name, value) },
                "json" => options with { JsonPath = value },
                _ => throw new FormatException($"Unknown option --{name}."),
            };
            protocolGiven |= name == "protocol";
        }

        if (urls.Count == 0)
        {
            urls.Add(WithProtocolVersion(new Uri("ws://127.0.0.1:4000/socket/websocket")));
        }

        if (mode == LoadMode.ConnectClose && !protocolGiven)
        {
            options = options with { Protocol = WireProtocol.None };
        }

        return Validate(options);
    }

    private static LoadGenOptions Validate(LoadGenOptions options)
    {
        if (options.JoinsPerSocket > options.Topics)
        {
            throw new FormatException("--joins-per-socket cannot exceed --topics: a socket joins distinct topics.");
        }

        if (options.JoinsPerSocket > options.MaxChannelsPerSocket)
        {
            throw new FormatException("--joins-per-socket cannot exceed --max-channels.");
        }

        if (options.Protocol == WireProtocol.None && options.Mode is LoadMode.Cycle or LoadMode.Pairs or LoadMode.Churn)
        {
            throw new FormatException($"Mode {options.Mode} needs --protocol phoenix.");
        }

        if (options.Protocol == WireProtocol.None && options.Mode is LoadMode.Fanout or LoadMode.FanoutLatency or LoadMode.PresenceLatency)
        {
            throw new FormatException($"Mode {options.Mode} needs --protocol phoenix.");
        }

        if (options.Mode == LoadMode.PresenceLatency && options.Urls.Count < 2)
        {
            throw new FormatException("presence-latency needs two --url: the watcher's node and the joiner's.");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.Timeout <= TimeSpan.Zero)
        {
            throw new FormatException("--heartbeat and --timeout must be positive.");
        }

        return options;
    }

    private static (string Name, string Value) Split(IReadOnlyList<string> args, ref int i)
    {
        var arg = args[i];
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            throw new FormatException($"Unexpected argument '{arg}'.");
        }

        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
        {
            return (arg[2..equals], arg[(equals + 1)..]);
        }

        if (i + 1 >= args.Count)
        {
            throw new FormatException($"{arg} needs a value.");
        }

        i++;
        return (arg[2..], args[i]);
    }

    private static LoadMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "hold" => LoadMode.Hold,
        "cycle" => LoadMode.Cycle,
        "connect-close" => LoadMode.ConnectClose,
        "pairs" => LoadMode.Pairs,
        "churn" => LoadMode.Churn,
        "fanout" => LoadMode.Fanout,
        "fanout-latency" => LoadMode.FanoutLatency,
        "presence-latency" => LoadMode.PresenceLatency,
        _ => throw new FormatException($"Unknown mode '{text}'."),
    };

    private static LoadGenOptions AddUrl(LoadGenOptions options, List<Uri> urls, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "http"))
        {
            throw new FormatException($"'{value}' is not a ws:// URL (wss is not supported).");
        }

        urls.Add(WithProtocolVersion(uri));
        return options;
    }

    /// <summary>Phoenix serializes by the <c>vsn</c> query parameter; without it a server falls back to v1.</summary>
    private static Uri WithProtocolVersion(Uri uri)
    {
        var builder = new UriBuilder(uri) { Scheme = "ws", Port = uri.Port };
        if (!uri.Query.Contains("vsn=", StringComparison.Ordinal))
        {
            var query = uri.Query.TrimStart('?');
            builder.Query = query.Length == 0 ? "vsn=2.0.0" : query + "&vsn=2.0.0";
        }

        return builder.Uri;
    }

    private static T ParseEnum<T>(string name, string value)
        where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new FormatException($"--{name}: '{value}' is not one of {string.Join(", ", Enum.GetNames<T>()).ToLowerInvariant()}.");

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"--{name} needs a positive integer, not '{value}'.");

    private static int NonNegativeInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"--{name} needs a non-negative integer, not '{value}'.");

    private static long PositiveLong(string name, string value) =>
        long.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"--{name} needs a positive integer, not '{value}'.");

    private static double NonNegativeDouble(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0
            ? d
            : throw new FormatException($"--{name} needs a non-negative number, not '{value}'.");
}
