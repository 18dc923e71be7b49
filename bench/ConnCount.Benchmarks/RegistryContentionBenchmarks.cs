using BenchmarkDotNet.Attributes;
using ConnCount.SocketNode.Memberships;

namespace ConnCount.Benchmarks;

/// <summary>
/// The counter registry under two threads at once, against the floor of two threads incrementing one shared
/// <see cref="Interlocked.Increment(ref long)"/>. The figure is the time per operation on each thread while the
/// other thread does the same; the target is a join+leave within 2 × the shared increment.
/// </summary>
/// <remarks>
/// Join+leave is measured as the node does it: <c>var m = registry.Join(topic); registry.Leave(m);</c>, the leave going
/// straight to the stripe the join counted in. The by-name <see cref="TopicTable.Leave(string)"/> (a lookup and
/// a search for a stripe with a unit) is measured apart and is not the headline figure.
/// </remarks>
[MemoryDiagnoser]
public class RegistryContentionBenchmarks
{
    private const int OpsPerThread = 200_000;

    private static readonly string[] OwnTopics = ["room:1", "room:2"];

    private TwoThreadRace _race = null!;
    private TopicTable _registry = null!;
    private long _shared;

    private Action<int> _increment = null!;
    private Action<int> _hotTopic = null!;
    private Action<int> _ownTopics = null!;
    private Action<int> _fromZero = null!;
    private Action<int> _byName = null!;

    [GlobalSetup]
    public void Setup()
    {
        _race = new TwoThreadRace();
        _registry = new TopicTable();

        // A standing member on every topic: the usual case, where a leave does not empty the topic.
        _registry.Join("room:hot");
        _registry.Join(OwnTopics[0]);
        _registry.Join(OwnTopics[1]);

        _increment = _ =>
        {
            for (var i = 0; i < OpsPerThread; i++)
            {
                Interlocked.Increment(ref _shared);
            }
        };
        _hotTopic = _ => JoinLeave(_registry, "room:hot");
        _ownTopics = index => JoinLeave(_registry, OwnTopics[index]);
        _fromZero = _ => JoinLeave(_registry, "room:empty");
        _byName = _ => JoinLeaveByName(_registry, "room:hot");
    }

    [GlobalCleanup]
    public void Cleanup() => _race.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = OpsPerThread, Description = "shared Interlocked.Increment")]
    public void SharedIncrement() => _race.Run(_increment);

    [Benchmark(OperationsPerInvoke = OpsPerThread, Description = "join+leave, same topic")]
    public void JoinLeaveSameTopic() => _race.Run(_hotTopic);

    [Benchmark(OperationsPerInvoke = OpsPerThread, Description = "join+leave, a topic per thread")]
    public void JoinLeaveOwnTopic() => _race.Run(_ownTopics);

    /// <summary>
    /// The topic empties on every leave. Its entry stays until a sweep finds it empty (no entry is created here, so
    /// none is due), so this is the same work as a topic with a standing member.
    /// </summary>
    [Benchmark(OperationsPerInvoke = OpsPerThread, Description = "join+leave, same topic from zero")]
    public void JoinLeaveFromZero() => _race.Run(_fromZero);

    /// <summary>The by-name leave still used by callers that do not keep the handle: a lookup, then a compare-and-swap.</summary>
    [Benchmark(OperationsPerInvoke = OpsPerThread, Description = "join+Leave(string), same topic")]
    public void JoinLeaveByNameSameTopic() => _race.Run(_byName);

    private static void JoinLeave(TopicTable registry, string topic)
    {
        for (var i = 0; i < OpsPerThread; i++)
        {
            var membership = registry.Join(topic);
            registry.Leave(membership);
        }
    }

    private static void JoinLeaveByName(TopicTable registry, string topic)
    {
        for (var i = 0; i < OpsPerThread; i++)
        {
            registry.Join(topic);
            registry.Leave(topic);
        }
    }
}
