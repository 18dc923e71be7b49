namespace ConnCount.Tests.Infrastructure;

/// <summary>The StatsApi keys the integration tests configure, one per scope.</summary>
public static class TestApiKeys
{
    public const string Read = "read-key-0123456789abcdef";
    public const string Publish = "publish-key-0123456789abcdef";
    public const string Admin = "admin-key-0123456789abcdef";
}
