namespace ConnCount.StatsApi.Auth;

/// <summary>What a presented key is, by the list it is configured in (<see cref="ApiKeyStore.Identify"/>).</summary>
public enum ApiKeyKind
{
    /// <summary>No configured key.</summary>
    None,

    /// <summary>A read key (<c>ConnCount:Api:Key</c>, <c>Keys</c>).</summary>
    Read,

    /// <summary>A publish key (<c>ConnCount:Api:PublishKey</c>, <c>PublishKeys</c>).</summary>
    Publish,

    /// <summary>An admin key (<c>ConnCount:Api:AdminKey</c>, <c>AdminKeys</c>).</summary>
    Admin,
}
