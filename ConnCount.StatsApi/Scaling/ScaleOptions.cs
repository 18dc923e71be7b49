using System.ComponentModel.DataAnnotations;

namespace ConnCount.StatsApi.Scaling;

/// <summary>How many sockets one node should carry. Section <c>ConnCount:Scale</c>.</summary>
public sealed class ScaleOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Scale";

    /// <summary>The largest target a query or the configuration may name.</summary>
    public const int MaxTargetSocketsPerNode = 10_000_000;

    /// <summary>Sockets per node the autoscaler aims for, unless a query names its own.</summary>
    [Range(1, MaxTargetSocketsPerNode)]
    public int TargetSocketsPerNode { get; set; } = 5000;
}
