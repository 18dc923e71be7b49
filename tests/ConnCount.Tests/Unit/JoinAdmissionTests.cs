using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Protocol;

namespace ConnCount.Tests.Unit;

public class JoinAdmissionTests
{
    private readonly JoinAdmission _admission = new(maxTopicLength: 8, maxChannelsPerSocket: 2, joinsPerSecond: 3);

    [Theory]
    [InlineData(null, "room", false, 0, ReplyReasons.MissingJoinRef)]
    [InlineData(null, "", false, 5, ReplyReasons.MissingJoinRef)]
    [InlineData("1", "", false, 5, ReplyReasons.InvalidTopic)]
    [InlineData("1", "phoenix", false, 5, ReplyReasons.ReservedTopic)]
    [InlineData("1", "room:far-too-long", false, 5, ReplyReasons.TopicTooLong)]
    [InlineData("1", "room:a", false, 2, ReplyReasons.TooManyChannels)]
    [InlineData("1", "room:a", true, 2, null)]
    [InlineData("1", "room:a", false, 1, null)]
    [InlineData("1", "room:8ch", false, 0, null)]
    public void The_first_refusal_in_order_wins(string? joinRef, string topic, bool rejoin, int joined, string? expected)
    {
        var rate = default(JoinRateBucket);
        Assert.Equal(expected, _admission.CheckRequest(new JoinRequest(joinRef, topic, rejoin, joined), ref rate, nowMs: 1_000));
    }

    [Fact]
    public void The_join_rate_is_taken_only_by_joins_that_pass_every_earlier_step()
    {
        var rate = default(JoinRateBucket);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(ReplyReasons.TopicTooLong, _admission.CheckRequest(new JoinRequest("1", "room:far-too-long", false, 0), ref rate, 1_000));
        }

        var ok = new JoinRequest("1", "room:a", false, 0);
        Assert.Null(_admission.CheckRequest(ok, ref rate, 1_000));
        Assert.Null(_admission.CheckRequest(ok, ref rate, 1_000));
        Assert.Null(_admission.CheckRequest(ok, ref rate, 1_000));
        Assert.Equal(ReplyReasons.TooManyJoins, _admission.CheckRequest(ok, ref rate, 1_000));
        // A third of a second refills one join at three per second.
        Assert.Null(_admission.CheckRequest(ok, ref rate, 1_334));
        Assert.Equal(ReplyReasons.TooManyJoins, _admission.CheckRequest(ok, ref rate, 1_334));
    }

    [Fact]
    public void Access_needs_a_grant_and_for_a_watcher_sight_of_the_watched_topic()
    {
        Assert.Equal(ReplyReasons.Unauthorized, JoinAdmission.CheckAccess(null, watchAllowed: true));
        Assert.Equal(ReplyReasons.Unauthorized, JoinAdmission.CheckAccess(new JoinGrant(null, null), watchAllowed: false));
        Assert.Null(JoinAdmission.CheckAccess(new JoinGrant("acme", "pro"), watchAllowed: true));
    }
}
