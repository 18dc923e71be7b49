using ConnCount.Cluster.Contracts;

namespace ConnCount.Tests.Unit;

public class NodeIdsTests
{
    [Theory]
    [InlineData("node-a")]
    [InlineData("socketnode-k3x9qz2p")]
    [InlineData("host_1-4242")]
    public void A_replica_id_is_one_subject_token(string id)
    {
        Assert.True(NodeIds.IsSubjectToken(id));
        Assert.Equal($"conncount.v1.nodes.{id}.admin.drain", NatsSubjects.NodeDrain(id));
        Assert.Equal($"conncount.v1.nodes.{id}.admin.resume", NatsSubjects.NodeResume(id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData(">")]
    [InlineData("a.b")]
    [InlineData("node-*")]
    [InlineData("node a")]
    [InlineData("node\ta")]
    [InlineData("node\r\nPUB x")]
    [InlineData("node\u0000")]
    [InlineData("node\u00a0a")]
    public void An_id_that_could_address_another_subject_is_refused(string id)
    {
        Assert.False(NodeIds.IsSubjectToken(id));
        Assert.Throws<ArgumentException>(() => NatsSubjects.NodeDrain(id));
    }

    [Fact]
    public void An_id_longer_than_the_limit_is_refused() =>
        Assert.False(NodeIds.IsSubjectToken(new string('a', NodeIds.MaxLength + 1)));
}
