namespace ConnCount.StatsApi.Auth;

/// <summary>The keys that may read the stats. Section <c>ConnCount:Api</c>.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Api";

    /// <summary>One key; the AppHost passes its generated secret here (<c>ConnCount__Api__Key</c>).</summary>
    public string? Key { get; set; }

    /// <summary>More keys, so one can be rotated in before the old one is removed (<c>ConnCount__Api__Keys__0</c>, ...).</summary>
    public List<string> Keys { get; set; } = [];

    /// <summary>Every non-blank key, from <see cref="Key"/> and <see cref="Keys"/>.</summary>
    public IEnumerable<string> AllKeys() =>
        Keys.Append(Key).OfType<string>().Where(k => !string.IsNullOrWhiteSpace(k)).Distinct(StringComparer.Ordinal);
}
