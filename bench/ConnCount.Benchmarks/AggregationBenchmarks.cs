using System.Globalization;
using BenchmarkDotNet.Attributes;
using ConnCount.Cluster;
using ConnCount.Cluster.Contracts;

namespace ConnCount.Benchmarks;

/// <summary><see cref="ClusterAggregator.Aggregate"/> over one gather: every node reports every topic.</summary>
[MemoryDiagnoser]
public class AggregationBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private NodeStats[] _replies = [];
    private KnownNode[] _expected = [];

    [Params(3, 10)]
    public int Nodes { get; set; }

    [Params(1_000)]
    public int Topics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var names = Enumerable.Range(0, Topics).Select(t => "room:" + t.ToString(CultureInfo.InvariantCulture)).ToArray();
        _replies = new NodeStats[Nodes];
        _expected = new KnownNode[Nodes];
        for (var n = 0; n < Nodes; n++)
        {
            var node = "node-" + n.ToString(CultureInfo.InvariantCulture);
            var topics = names.ToDictionary(t => t, _ => (long)random.Next(1, 100), StringComparer.Ordinal);
            var total = topics.Values.Sum();
            _replies[n] = new NodeStats(node, Now, total, total, topics);
            _expected[n] = new KnownNode(node, Now, total, total, Now);
        }
    }

    [Benchmark]
    public ClusterStats Aggregate() => ClusterAggregator.Aggregate(_replies, _expected, Now);
}
