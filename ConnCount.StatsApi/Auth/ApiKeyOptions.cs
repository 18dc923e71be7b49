namespace ConnCount.StatsApi.Auth;

/// <summary>The keys that may read the stats, the keys that may also publish messages, and the keys that may also drain nodes. Section <c>ConnCount:Api</c>.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Api";

    /// <summary>One key; the AppHost passes its generated secret here (<c>ConnCount__Api__Key</c>).</summary>
    public string? Key { get; set; }

    /// <summary>More keys, so one can be rotated in before the old one is removed (<c>ConnCount__Api__Keys__0</c>, ...).</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>
    /// One admin key: the <c>admin</c> scope (drain and resume nodes under <c>/api/admin</c>) and the <c>read</c> scope.
    /// The AppHost passes its generated <c>statsapi-admin-key</c> here (<c>ConnCount__Api__AdminKey</c>). Not set: the
    /// admin endpoints answer 403 to every key.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>More admin keys, for rotation (<c>ConnCount__Api__AdminKeys__0</c>, ...).</summary>
    public List<string> AdminKeys { get; set; } = [];

    /// <summary>
    /// One publish key: the <c>publish</c> scope (send messages to topics) and the <c>read</c> scope, for a backend that
    /// publishes but must not drain nodes. Admin keys publish too.
    /// </summary>
    public string? PublishKey { get; set; }

    /// <summary>More publish keys, for rotation (<c>ConnCount__Api__PublishKeys__0</c>, ...).</summary>
    public List<string> PublishKeys { get; set; } = [];

    /// <summary>Every non-blank publish key, from <see cref="PublishKey"/> and <see cref="PublishKeys"/>.</summary>
    public IEnumerable<string> AllPublishKeys() => NonBlank(PublishKeys.Append(PublishKey));

    /// <summary>Every non-blank read key, from <see cref="Key"/> and <see cref="Keys"/>.</summary>
    public IEnumerable<string> AllKeys() => NonBlank(Keys.Append(Key));

    /// <summary>Every non-blank admin key, from <see cref="AdminKey"/> and <see cref="AdminKeys"/>.</summary>
    public IEnumerable<string> AllAdminKeys() => NonBlank(AdminKeys.Append(AdminKey));

    private static IEnumerable<string> NonBlank(IEnumerable<string?> keys) =>
        keys.OfType<string>().Where(k => !string.IsNullOrWhiteSpace(k)).Distinct(StringComparer.Ordinal);
}
