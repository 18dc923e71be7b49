namespace ConnCount.StatsApi.Thresholds;

/// <summary>Threshold rules. Section <c>ConnCount:Thresholds</c>.</summary>
public sealed class ThresholdOptions
{
    public const string SectionName = "ConnCount:Thresholds";

    public List<ThresholdRule> Rules { get; set; } = [];

    /// <summary>How often the rules are evaluated against a fresh gather.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}
