using System.Text.Json;

namespace ConnCount.TestSupport;

/// <summary>A topic's presences as the official client's <c>Presence</c> keeps them, rebuilt from a test client's pushes.</summary>
public sealed class PresenceView
{
    private readonly Dictionary<string, HashSet<string>> _refs = new(StringComparer.Ordinal);

    public static PresenceView Of(PhoenixTestClient client, string topic)
    {
        var view = new PresenceView();
        var joinRef = client.JoinRefOf(topic);
        foreach (var push in client.Pushes.Where(p => p[2].GetString() == topic))
        {
            switch (push[3].GetString())
            {
                case "presence_state" when push[0].GetString() == joinRef:
                    view._refs.Clear();
                    view.Add(push[4]);
                    break;
                case "presence_diff":
                    // Joins first, then leaves, as the official client's Presence.syncDiff applies them.
                    view.Add(push[4].GetProperty("joins"));
                    view.Remove(push[4].GetProperty("leaves"));
                    break;
            }
        }

        return view;
    }

    /// <summary>How many metas (sockets) are listed, under every key.</summary>
    public int Metas => _refs.Values.Sum(r => r.Count);

    /// <summary>"key=metas,..." sorted; anonymous keys counted together as "anonymous".</summary>
    public string Describe() => string.Join(",", _refs
        .Where(k => k.Value.Count > 0)
        .GroupBy(k => k.Key.StartsWith("anonymous:", StringComparison.Ordinal) ? "anonymous" : k.Key)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Key}={g.Sum(k => k.Value.Count)}"));

    private void Add(JsonElement byKey)
    {
        foreach (var key in byKey.EnumerateObject())
        {
            var refs = _refs.TryGetValue(key.Name, out var existing) ? existing : _refs[key.Name] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var meta in key.Value.GetProperty("metas").EnumerateArray())
            {
                refs.Add(meta.GetProperty("phx_ref").GetString()!);
            }
        }
    }

    private void Remove(JsonElement byKey)
    {
        foreach (var key in byKey.EnumerateObject())
        {
            if (_refs.TryGetValue(key.Name, out var refs))
            {
                foreach (var meta in key.Value.GetProperty("metas").EnumerateArray())
                {
                    refs.Remove(meta.GetProperty("phx_ref").GetString()!);
                }
            }
        }
    }
}
