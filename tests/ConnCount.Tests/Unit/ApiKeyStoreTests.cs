using ConnCount.StatsApi.Auth;
using Microsoft.Extensions.Options;

namespace ConnCount.Tests.Unit;

/// <summary>What a presented key is: only a configured key matches, exactly, and an admin key outranks the others.</summary>
public class ApiKeyStoreTests
{
    private static readonly ApiKeyStore Store = new(Options.Create(new ApiKeyOptions
    {
        Key = "read-key-0123456789",
        Keys = ["clé-de-lecture-ü"],
        PublishKey = "publish-key-0123456789",
        AdminKey = "admin-key-0123456789",
    }));

    [Theory]
    [InlineData("read-key-0123456789", ApiKeyKind.Read)]
    [InlineData("clé-de-lecture-ü", ApiKeyKind.Read)]
    [InlineData("publish-key-0123456789", ApiKeyKind.Publish)]
    [InlineData("admin-key-0123456789", ApiKeyKind.Admin)]
    [InlineData("read-key-012345678", ApiKeyKind.None)]
    [InlineData("read-key-01234567890", ApiKeyKind.None)]
    [InlineData("read-key-0123456789\0", ApiKeyKind.None)]
    [InlineData("READ-KEY-0123456789", ApiKeyKind.None)]
    [InlineData("cle-de-lecture-u", ApiKeyKind.None)]
    [InlineData("", ApiKeyKind.None)]
    public void Only_a_configured_key_matches_exactly(string presented, ApiKeyKind expected) =>
        Assert.Equal(expected, Store.Identify(presented));

    [Fact]
    public void A_presented_key_longer_than_any_slot_matches_nothing()
    {
        Assert.Equal(ApiKeyKind.None, Store.Identify(new string('k', 10_000)));
        Assert.Equal(ApiKeyKind.None, Store.Identify("read-key-0123456789" + new string('\0', ApiKeyStore.MaxKeyBytes)));
    }

    [Fact]
    public void The_longest_allowed_key_matches_and_a_longer_one_is_refused_at_start()
    {
        var longest = new string('é', ApiKeyStore.MaxKeyBytes / 2);
        var store = new ApiKeyStore(Options.Create(new ApiKeyOptions { Key = longest }));
        Assert.False(store.AnyKeyTooLong);
        Assert.Equal(ApiKeyKind.Read, store.Identify(longest));

        var tooLong = new ApiKeyStore(Options.Create(new ApiKeyOptions { Key = "k", AdminKey = longest + "x" }));
        Assert.True(tooLong.AnyKeyTooLong);
        Assert.Equal(ApiKeyKind.None, tooLong.Identify(longest + "x"));
    }

    [Fact]
    public void A_key_in_both_the_read_and_admin_lists_is_found()
    {
        var store = new ApiKeyStore(Options.Create(new ApiKeyOptions { Keys = ["a-0123456789", "shared-0123456789"], AdminKey = "shared-0123456789" }));
        Assert.True(store.AnyKeyInBothLists);
        Assert.False(Store.AnyKeyInBothLists);
    }
}
