namespace ConnCount.SocketNode.Protocol;

/// <summary>Event names and reserved topics of the Phoenix protocol, and the events ConnCount adds; reply reasons are in <see cref="ReplyReasons"/>.</summary>
public static class PhoenixEvents
{
    /// <summary>The socket-level topic heartbeats use.</summary>
    public const string SocketTopic = "phoenix";

    public const string Heartbeat = "heartbeat";
    public const string Join = "phx_join";
    public const string Leave = "phx_leave";
    public const string Reply = "phx_reply";
    public const string Close = "phx_close";
    public const string Error = "phx_error";

    public const string GetConnectionStats = "get_connection_stats";
    public const string GetClusterConnectionStats = "get_cluster_connection_stats";
    public const string GetMonitoringInfo = "get_monitoring_info";
    public const string GetUsageStats = "get_usage_stats";

    /// <summary>The push a <c>stats:*</c> channel receives when its counts change.</summary>
    public const string ConnectionStats = "connection_stats";

    /// <summary>Phoenix Presence: every presence of the topic, sent to a member right after its join.</summary>
    public const string PresenceState = "presence_state";

    /// <summary>Phoenix Presence: presences that joined and left, broadcast to the topic's members.</summary>
    public const string PresenceDiff = "presence_diff";
}
