using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protection;
using ConnCount.StatsApi.Admin;

namespace ConnCount.Tests.Unit;

/// <summary>The parts of an admin disconnect that need no cluster: the body's rules, the matching, the summary.</summary>
public class DisconnectUnitTests
{
    [Theory]
    [InlineData("alice", null, null, "user", "alice")]
    [InlineData(null, "room:1", null, "topic", "room:1")]
    [InlineData(null, null, "node-a", "node", "node-a")]
    public void A_body_with_one_valid_selector_selects_it(string? user, string? topic, string? node, string by, string value)
    {
        var errors = new Dictionary<string, string[]>();

        var selector = DisconnectSelector.From(new DisconnectBody(user, topic, node), errors);

        Assert.Equal(new DisconnectSelector(by, value), selector);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData(null, null, null, "body")]
    [InlineData("alice", "room:1", null, "body")]
    [InlineData("alice", null, "node-a", "body")]
    [InlineData("alice", "room:1", "node-a", "body")]
    [InlineData("", null, null, "user")]
    [InlineData(null, "", null, "topic")]
    [InlineData(null, null, "", "node")]
    [InlineData(null, null, "node-a.admin", "node")]
    [InlineData(null, null, "*", "node")]
    [InlineData(null, null, "node a", "node")]
    public void A_body_without_exactly_one_valid_selector_is_refused_naming_the_field(string? user, string? topic, string? node, string field)
    {
        var errors = new Dictionary<string, string[]>();

        var selector = DisconnectSelector.From(new DisconnectBody(user, topic, node), errors);

        Assert.Null(selector);
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void Values_over_256_characters_are_refused_and_256_are_taken()
    {
        var errors = new Dictionary<string, string[]>();

        Assert.NotNull(DisconnectSelector.From(new DisconnectBody(User: new string('u', 256)), errors));
        Assert.NotNull(DisconnectSelector.From(new DisconnectBody(Topic: new string('t', 256)), errors));
        Assert.Null(DisconnectSelector.From(new DisconnectBody(User: new string('u', 257)), errors));
        Assert.Null(DisconnectSelector.From(new DisconnectBody(Topic: new string('t', 257)), errors));
        Assert.Equal(["user", "topic"], errors.Keys);
    }

    [Fact]
    public void A_socket_holds_its_first_topic_and_its_others_until_each_is_left()
    {
        var memberships = new SessionMemberships();
        memberships.Add("room:1", Joined());
        memberships.Add("room:2", Joined());
        memberships.Add("room:3", Joined());
        Assert.True(memberships.HoldsFromAnyThread("room:1"));
        Assert.True(memberships.HoldsFromAnyThread("room:2"));
        Assert.True(memberships.HoldsFromAnyThread("room:3"));
        Assert.False(memberships.HoldsFromAnyThread("room:4"));

        Assert.True(memberships.Remove("room:1", out _));
        Assert.True(memberships.Remove("room:3", out _));

        Assert.False(memberships.HoldsFromAnyThread("room:1"));
        Assert.True(memberships.HoldsFromAnyThread("room:2"));
        Assert.False(memberships.HoldsFromAnyThread("room:3"));
        // A join after the first left takes the first place again; the others stay where they were.
        memberships.Add("room:4", Joined());
        Assert.True(memberships.HoldsFromAnyThread("room:4"));
        Assert.True(memberships.HoldsFromAnyThread("room:2"));
    }

    [Fact]
    public async Task Another_thread_asking_while_the_loop_joins_and_leaves_always_finds_a_topic_held_throughout()
    {
        var connection = new Holder();
        connection.Memberships.Add("room:kept", Joined());
        connection.Memberships.Add("room:kept-too", Joined());
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var loop = Task.Run(() =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                connection.Memberships.Add($"room:{i}", Joined());
                connection.Memberships.Remove($"room:{i}", out _);
            }
        });

        var asked = 0;
        while (!loop.IsCompleted)
        {
            Assert.True(connection.Memberships.HoldsFromAnyThread("room:kept"));
            Assert.True(connection.Memberships.HoldsFromAnyThread("room:kept-too"));
            asked++;
        }

        await loop;
        Assert.True(asked > 0);
    }

    [Fact]
    public void A_socket_showed_every_user_its_valid_tokens_named_even_after_the_tokens_gave_way()
    {
        var access = new SocketReadAccess();
        access.Add(Token("alice"));
        access.Add(Token(null));
        access.Add(Token("bob"));
        for (var i = 0; i < SocketReadAccess.MaxTokens * 2; i++)
        {
            access.Add(Token(null));
        }

        Assert.True(access.ShowedUser("alice"));
        Assert.True(access.ShowedUser("bob"));
        Assert.False(access.ShowedUser("carol"));
        Assert.False(access.ShowedUser("Alice"));
    }

    [Fact]
    public void The_summary_adds_up_the_nodes_and_names_every_known_node_that_did_not_answer_once()
    {
        var now = DateTimeOffset.UtcNow;
        KnownNode[] expected = [Known("node-a", now), Known("node-b", now), Known("node-c", now), Known("node-c", now.AddSeconds(1))];

        var result = ClusterDisconnectClient.Summarize("user", "alice", [new DisconnectReply("node-a", 2), new DisconnectReply("node-b", 0)], expected);

        Assert.Equal(2, result.SocketsClosed);
        Assert.Equal(new Dictionary<string, int> { ["node-a"] = 2, ["node-b"] = 0 }, result.Nodes);
        Assert.True(result.Partial);
        Assert.Equal(["node-c"], result.MissingNodes);
    }

    [Fact]
    public void The_summary_is_complete_when_every_known_node_answered_even_with_nothing_closed()
    {
        var result = ClusterDisconnectClient.Summarize("topic", "room:1", [new DisconnectReply("node-a", 0)], [Known("node-a", DateTimeOffset.UtcNow)]);

        Assert.Equal(0, result.SocketsClosed);
        Assert.False(result.Partial);
        Assert.Empty(result.MissingNodes);
    }

    private static Membership Joined() => new("1", JoinGrant.Anonymous, 0, default);

    private static TokenAccess Token(string? user) =>
        new([Guid.NewGuid().ToString()], Stats: false, Tenant: null, Plan: null, DateTime.UtcNow.AddMinutes(5), User: user);

    private static KnownNode Known(string node, DateTimeOffset startedAt) => new(node, startedAt, 0, 0, startedAt);

    /// <summary>Stands for a connection's field: the loop and the asking thread share one <see cref="SessionMemberships"/>.</summary>
    private sealed class Holder
    {
        public SessionMemberships Memberships;
    }
}
