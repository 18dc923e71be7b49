using ConnCount.Cluster.Contracts;

namespace ConnCount.Cluster.Aggregation;

/// <summary>
/// The union of users from several <see cref="UserSet"/>s: exact (a set of ids) while every part is exact; once any
/// part is a sketch, every part goes into one sketch and the count is an estimate, marked as such.
/// </summary>
public sealed class UserUnion
{
    private HashSet<string>? _ids;
    private HyperLogLog? _sketch;

    // The one exact part seen so far, kept without copying: a topic on one node needs no set of its own.
    private IReadOnlyList<string>? _single;

    /// <summary>Adds one node's users of one topic; a sketch that cannot be read makes the union an estimate of the rest.</summary>
    public void Add(UserSet set)
    {
        if (set.Sketch is { } bytes)
        {
            var sketch = ToSketch();
            if (HyperLogLog.TryRead(bytes, out var other))
            {
                sketch.Merge(other);
            }
        }
        else if (set.Ids is { Count: > 0 } ids)
        {
            AddIds(ids);
        }
    }

    /// <summary>Adds every user of <paramref name="other"/>.</summary>
    public void Add(UserUnion other)
    {
        if (other._sketch is { } sketch)
        {
            ToSketch().Merge(sketch);
        }
        else if (other._ids is { } ids)
        {
            AddIds([.. ids]);
        }
        else if (other._single is { } single)
        {
            AddIds(single);
        }
    }

    /// <summary>The distinct users added so far.</summary>
    public UserCount Count() =>
        _sketch is { } sketch ? new UserCount(sketch.Estimate(), Estimated: true)
        : new UserCount(_ids?.Count ?? _single?.Count ?? 0, Estimated: false);

    private void AddIds(IReadOnlyList<string> ids)
    {
        if (_sketch is { } sketch)
        {
            foreach (var id in ids)
            {
                sketch.Add(id);
            }

            return;
        }

        if (_ids is null && _single is null)
        {
            _single = ids;
            return;
        }

        if (_ids is null)
        {
            _ids = new HashSet<string>(_single!, StringComparer.Ordinal);
            _single = null;
        }

        _ids.UnionWith(ids);
    }

    private HyperLogLog ToSketch()
    {
        if (_sketch is null)
        {
            _sketch = new HyperLogLog();
            foreach (var id in (IEnumerable<string>?)_ids ?? _single ?? [])
            {
                _sketch.Add(id);
            }

            _ids = null;
            _single = null;
        }

        return _sketch;
    }
}
