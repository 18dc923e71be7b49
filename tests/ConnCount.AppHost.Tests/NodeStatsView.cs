namespace ConnCount.AppHost.Tests;

/// <summary>One node's counts as <c>get_connection_stats</c> answers them.</summary>
public sealed record NodeStatsView(string Node, long Total, long Sockets, Dictionary<string, long> Connections);
