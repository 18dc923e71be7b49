namespace ConnCount.StatsApi.Thresholds;

/// <summary>
/// A value to watch with hysteresis: an event when it reaches <see cref="Up"/> from below, and another when it
/// falls back to <see cref="Down"/> (lower than Up, so a value hovering at the line does not flap).
/// </summary>
public sealed class ThresholdRule
{
    /// <summary>The rule's name, carried in its events.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>cluster</c> (the cluster total), <c>node</c> (each node) or <c>topic</c> (one topic, cluster-wide).</summary>
    public string Scope { get; set; } = "cluster";

    /// <summary>The topic, for scope <c>topic</c>.</summary>
    public string? Topic { get; set; }

    /// <summary><c>connections</c> (topic memberships) or <c>sockets</c>; topics only have connections.</summary>
    public string Metric { get; set; } = "connections";

    public long Up { get; set; }

    public long Down { get; set; }

    /// <summary>Whether the rule is complete and consistent; <paramref name="problem"/> names what is missing.</summary>
    public bool IsValid(out string? problem)
    {
        problem = (Scope, Metric) switch
        {
            _ when string.IsNullOrWhiteSpace(Name) => "a Name",
            (not ("cluster" or "node" or "topic"), _) => "Scope cluster, node or topic",
            (_, not ("connections" or "sockets")) => "Metric connections or sockets",
            ("topic", "sockets") => "Metric connections for a topic",
            ("topic", _) when string.IsNullOrEmpty(Topic) => "a Topic for scope topic",
            _ when Down >= Up || Down < 0 => "0 <= Down < Up",
            _ => null,
        };
        return problem is null;
    }
}
