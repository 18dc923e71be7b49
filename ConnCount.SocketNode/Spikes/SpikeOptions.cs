namespace ConnCount.SocketNode.Spikes;

/// <summary>Join-rate spike detection. Section <c>ConnCount:Spikes</c>.</summary>
public sealed class SpikeOptions
{
    public const string SectionName = "ConnCount:Spikes";

    /// <summary>A rate over <c>Factor × baseline</c> is a spike.</summary>
    public double Factor { get; set; } = 4;

    /// <summary>Weight of the newest sample in the EWMA baseline.</summary>
    public double Alpha { get; set; } = 0.1;

    /// <summary>Rates below this many joins/s never count as a spike, however low the baseline.</summary>
    public double MinJoinsPerSecond { get; set; } = 20;

    /// <summary>How often rates are sampled.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(1);
}
