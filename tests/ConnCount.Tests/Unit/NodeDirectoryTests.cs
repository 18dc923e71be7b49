using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ConnCount.Tests.Unit;

/// <summary>When the directory waits for a node, when it keeps it missing, and when it forgets it.</summary>
public class NodeDirectoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(20);

    private readonly UsageLedgerTests.ManualTime _time = new(Start);
    private readonly NodeDirectory _directory;

    public NodeDirectoryTests() =>
        _directory = new NodeDirectory(
            Options.Create(new ClusterOptions { NodeExpiry = Expiry, DefaultLinger = TimeSpan.FromSeconds(70) }),
            _time,
            NullLogger<NodeDirectory>.Instance);

    private static NodeAnnouncement Heartbeat(string node, DateTimeOffset epoch, long sockets = 3) =>
        new(node, epoch, sockets, sockets, Linger.TotalSeconds);

    private (bool Awaited, DateTimeOffset StartedAt)[] Known(string node) =>
        [.. _directory.Snapshot().Where(n => n.Node == node).Select(n => (n.Awaited, n.StartedAt))];

    [Fact]
    public void A_silent_node_is_awaited_until_the_expiry_then_lingers_missing_until_its_linger_then_is_forgotten()
    {
        _directory.Observe(Heartbeat("a", Start));

        _time.Advance(Expiry);
        Assert.Equal([(true, Start)], Known("a"));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([(false, Start)], Known("a"));
        var answer = ClusterAggregator.Aggregate([], _directory.Snapshot(), _time.GetUtcNow());
        Assert.True(answer.Partial);
        Assert.Equal(["a"], answer.MissingNodes);
        Assert.Equal(3, answer.Stale["a"].Sockets);

        _time.Advance(Linger - Expiry);
        Assert.Empty(Known("a"));
    }

    [Fact]
    public void A_heartbeat_ends_lingering()
    {
        _directory.Observe(Heartbeat("a", Start));
        _time.Advance(Expiry * 2);
        Assert.Equal([(false, Start)], Known("a"));

        _directory.Observe(Heartbeat("a", Start));

        Assert.Equal([(true, Start)], Known("a"));
    }

    [Fact]
    public void Nothing_expires_while_disconnected_and_every_node_gets_a_fresh_expiry_from_the_reconnect()
    {
        _directory.Observe(Heartbeat("a", Start));
        _directory.Disconnected();
        _time.Advance(Linger * 2);
        Assert.Equal([(true, Start)], Known("a"));

        _directory.Reconnected();
        _time.Advance(Expiry);
        Assert.Equal([(true, Start)], Known("a"));
        var answer = ClusterAggregator.Aggregate([], _directory.Snapshot(), _time.GetUtcNow());
        Assert.True(answer.Partial);
        Assert.Equal(["a"], answer.MissingNodes);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([(false, Start)], Known("a"));
        _time.Advance(Linger);
        Assert.Empty(Known("a"));
    }

    [Fact]
    public void A_goodbye_removes_only_the_incarnation_that_sent_it()
    {
        var later = Start.AddSeconds(30);
        _directory.Observe(Heartbeat("a", Start));
        _time.Advance(TimeSpan.FromSeconds(1));
        _directory.Observe(Heartbeat("a", later));

        _directory.Remove(Heartbeat("a", later));
        _directory.Observe(Heartbeat("a", Start));

        Assert.Equal([(true, Start)], Known("a"));
        // A late reply of the departed incarnation does not bring it back.
        _directory.Observe(new NodeStats("a", later, 0, 0, new Dictionary<string, long>()));
        Assert.Equal([(true, Start)], Known("a"));
    }

    [Fact]
    public void Two_live_epochs_of_one_id_make_every_answer_partial()
    {
        var later = Start.AddSeconds(30);
        _directory.Observe(Heartbeat("a", Start));
        _time.Advance(TimeSpan.FromSeconds(1));
        _directory.Observe(Heartbeat("a", later));
        _time.Advance(TimeSpan.FromSeconds(1));
        _directory.Observe(Heartbeat("a", Start));

        var answer = ClusterAggregator.Aggregate(
            [new NodeStats("a", Start, 3, 3, new Dictionary<string, long> { ["t"] = 3 })], _directory.Snapshot(), _time.GetUtcNow());

        Assert.True(answer.Partial);
        Assert.Equal(["a"], answer.DuplicateNodes);
    }

    [Fact]
    public void A_restart_is_a_new_epoch_and_the_old_one_is_never_added_to_it()
    {
        _directory.Observe(Heartbeat("a", Start, sockets: 7));
        _time.Advance(TimeSpan.FromSeconds(2));
        var restarted = Start.AddSeconds(2);
        _directory.Observe(Heartbeat("a", restarted, sockets: 1));

        var answer = ClusterAggregator.Aggregate(
            [new NodeStats("a", restarted, 1, 1, new Dictionary<string, long> { ["t"] = 1 })], _directory.Snapshot(), _time.GetUtcNow());

        // Not a duplicate (the old one has been silent since the new one appeared), but its sockets may be open.
        Assert.Empty(answer.DuplicateNodes);
        Assert.Equal(1, answer.TotalSockets);
        Assert.Equal(["a"], answer.MissingNodes);
        Assert.Equal(Start, answer.Stale["a"].StartedAt);
        Assert.Equal(7, answer.Stale["a"].Sockets);
    }
}
