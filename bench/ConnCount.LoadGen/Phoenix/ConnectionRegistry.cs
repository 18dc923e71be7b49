using System.Collections.Concurrent;

namespace ConnCount.LoadGen.Phoenix;

/// <summary>The run's open connections, for heartbeats and teardown. A connection leaves it when it terminates.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, PhoenixConnection> _open = new();

    public int Count => _open.Count;

    /// <summary>A live view: enumerating it does not copy and tolerates concurrent changes.</summary>
    public IEnumerable<PhoenixConnection> Open => Enumerate();

    public void Add(PhoenixConnection connection) => _open[connection.Id] = connection;

    public void Remove(PhoenixConnection connection) => _open.TryRemove(connection.Id, out _);

    public PhoenixConnection[] Snapshot() => [.. Enumerate()];

    private IEnumerable<PhoenixConnection> Enumerate()
    {
        foreach (var pair in _open)
        {
            yield return pair.Value;
        }
    }
}
