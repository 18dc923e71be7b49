using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;

namespace ConnCount.Benchmarks;

/// <summary>
/// The StatsApi's work per gather, step by step: <see cref="ClusterAggregator.Aggregate"/> over one gather
/// (every node reports every topic), reading the nodes' replies, and writing the cluster's JSON.
/// </summary>
[MemoryDiagnoser]
public class AggregationBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // What GET /api/stats writes with: the web defaults, snake_case, the contract's generated metadata first.
    private static readonly JsonSerializerOptions HttpOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        TypeInfoResolver = ClusterJsonContext.Default,
    };

    private NodeStats[] _replies = [];
    private KnownNode[] _expected = [];
    private byte[][] _replyJson = [];
    private ClusterStats _stats = null!;

    [Params(3, 10)]
    public int Nodes { get; set; }

    [Params(100, 1_000)]
    public int Topics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var names = Enumerable.Range(0, Topics).Select(t => "room:" + t.ToString(CultureInfo.InvariantCulture)).ToArray();
        _replies = new NodeStats[Nodes];
        _expected = new KnownNode[Nodes];
        _replyJson = new byte[Nodes][];
        for (var n = 0; n < Nodes; n++)
        {
            var node = "node-" + n.ToString(CultureInfo.InvariantCulture);
            var topics = names.ToDictionary(t => t, _ => (long)random.Next(1, 100), StringComparer.Ordinal);
            var total = topics.Values.Sum();
            _replies[n] = new NodeStats(node, Now, total, total, topics);
            _expected[n] = new KnownNode(node, Now, total, total, Now);
            _replyJson[n] = JsonSerializer.SerializeToUtf8Bytes(_replies[n], ClusterJsonContext.Default.NodeStats);
        }

        _stats = ClusterAggregator.Aggregate(_replies, _expected, Now);
    }

    [Benchmark]
    public ClusterStats Aggregate() => ClusterAggregator.Aggregate(_replies, _expected, Now);

    /// <summary>The replies of one gather, as the stats client reads them off NATS.</summary>
    [Benchmark]
    public NodeStats? ReadReplies()
    {
        NodeStats? last = null;
        foreach (var json in _replyJson)
        {
            last = JsonSerializer.Deserialize(json, ClusterJsonContext.Default.NodeStats);
        }

        return last;
    }

    /// <summary>The cluster's JSON, as <c>GET /api/stats</c> writes it.</summary>
    [Benchmark]
    public byte[] WriteStats() => JsonSerializer.SerializeToUtf8Bytes(_stats, HttpOptions);
}
