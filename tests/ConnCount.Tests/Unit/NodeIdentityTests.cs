using ConnCount.SocketNode.Node;

namespace ConnCount.Tests.Unit;

public class NodeIdentityTests
{
    [Theory]
    [InlineData("service.instance.id=socketnode-abc12,service.name=socketnode", "socketnode-abc12")]
    [InlineData("service.name=x, service.instance.id = n1 ", "n1")]
    [InlineData("service.name=x", null)]
    [InlineData(null, null)]
    public void Service_instance_id_is_read_from_resource_attributes(string? attributes, string? expected) =>
        Assert.Equal(expected, NodeIdentity.ReadServiceInstanceId(attributes));
}
