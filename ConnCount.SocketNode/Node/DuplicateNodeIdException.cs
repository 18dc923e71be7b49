namespace ConnCount.SocketNode.Node;

/// <summary>A node refused to start because another live process uses its node id (<see cref="DuplicateIdentityGuard"/>).</summary>
public sealed class DuplicateNodeIdException(string message) : Exception(message);
