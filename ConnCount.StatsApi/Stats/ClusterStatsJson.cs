using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ConnCount.Cluster.Contracts;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace ConnCount.StatsApi.Stats;

/// <summary>
/// The UTF-8 JSON of <c>GET /api/stats</c>, written once per gather and view. Requests that arrive while a gather
/// runs share its <see cref="ClusterStats"/> (see <see cref="Cluster.ClusterStatsClient"/>), so hundreds of them
/// get the same bytes instead of serialising the same result again each.
/// </summary>
/// <remarks>
/// Only the latest gather's bytes are kept: a shared result is an in-flight gather's, and the next gather brings
/// a new result. The bytes are written with the API's own JSON options, so the body is what
/// <c>TypedResults.Ok(stats)</c> would write.
/// </remarks>
public sealed class ClusterStatsJson(IOptions<HttpJsonOptions> options)
{
    // Views of one gather are few (the whole map and a handful of ?top= values); past this many a view is
    // written per request rather than kept, so odd ?top= values cannot grow the cache.
    private const int MaxViewsPerGather = 8;

    private readonly JsonTypeInfo<ClusterStats> _typeInfo =
        (JsonTypeInfo<ClusterStats>)options.Value.SerializerOptions.GetTypeInfo(typeof(ClusterStats));

    private Gather? _latest;

    /// <summary>The JSON of <paramref name="stats"/>, cut to the <paramref name="top"/> busiest topics when it has more.</summary>
    public byte[] Get(ClusterStats stats, int? top)
    {
        // ?top= at or above the topic count is the whole map, and shares its bytes.
        int? view = top is { } n && n < stats.Topics.Count ? n : null;
        return GatherOf(stats).Json(view ?? 0, () => Serialize(stats, view));
    }

    /// <summary>Writes <paramref name="stats"/> afresh, as if no other request shared it.</summary>
    public byte[] Serialize(ClusterStats stats, int? top)
    {
        if (top is { } n && n < stats.Topics.Count)
        {
            stats = stats with { Topics = TopicRanking.Top(stats.Topics, n) };
        }

        return JsonSerializer.SerializeToUtf8Bytes(stats, _typeInfo);
    }

    private Gather GatherOf(ClusterStats stats)
    {
        var current = Volatile.Read(ref _latest);
        while (current is null || !ReferenceEquals(current.Stats, stats))
        {
            var fresh = new Gather(stats);
            var prior = Interlocked.CompareExchange(ref _latest, fresh, current);
            if (ReferenceEquals(prior, current))
            {
                return fresh;
            }

            current = prior;
        }

        return current;
    }

    /// <summary>One gather's views, by <c>top</c> (0 for the whole map).</summary>
    private sealed class Gather(ClusterStats stats)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<int, Lazy<byte[]>> _views = [];

        public ClusterStats Stats => stats;

        public byte[] Json(int view, Func<byte[]> serialize)
        {
            Lazy<byte[]>? json;
            lock (_gate)
            {
                if (!_views.TryGetValue(view, out json))
                {
                    if (_views.Count >= MaxViewsPerGather)
                    {
                        json = null;
                    }
                    else
                    {
                        _views[view] = json = new Lazy<byte[]>(serialize, LazyThreadSafetyMode.ExecutionAndPublication);
                    }
                }
            }

            // Outside the lock: the first request of a view writes it, the others of that view wait for its bytes.
            return json is null ? serialize() : json.Value;
        }
    }
}
