using BenchmarkDotNet.Attributes;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.Benchmarks;

/// <summary><see cref="PhoenixFrameParser.TryParse"/> on the frames a socket node sees most.</summary>
[MemoryDiagnoser]
public class FrameParserBenchmarks
{
    private static readonly ReadOnlyMemory<byte> Join = """["3","3","room:lobby","phx_join",{}]"""u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Leave = """["3","4","room:lobby","phx_leave",{}]"""u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Heartbeat = """[null,"17","phoenix","heartbeat",{}]"""u8.ToArray();
    private static readonly ReadOnlyMemory<byte> JoinWithPayload =
        """["12","12","room:lobby","phx_join",{"token":"abcdefghijklmnopqrstuvwxyz0123456789","params":{"a":[1,2,3],"b":{"c":true}}}]"""u8.ToArray();
    private static readonly ReadOnlyMemory<byte> Malformed = """["3","3","room:lobby","phx_join",{"unterminated":"""u8.ToArray();

    [Benchmark(Baseline = true)]
    public bool ParseJoin() => PhoenixFrameParser.TryParse(Join, out _, out _);

    [Benchmark]
    public bool ParseLeave() => PhoenixFrameParser.TryParse(Leave, out _, out _);

    [Benchmark]
    public bool ParseHeartbeat() => PhoenixFrameParser.TryParse(Heartbeat, out _, out _);

    [Benchmark]
    public bool ParseJoinWithPayload() => PhoenixFrameParser.TryParse(JoinWithPayload, out _, out _);

    [Benchmark]
    public bool ParseMalformed() => PhoenixFrameParser.TryParse(Malformed, out _, out _);
}
