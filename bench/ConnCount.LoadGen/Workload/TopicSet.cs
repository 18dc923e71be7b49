using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ConnCount.LoadGen.Workload;

/// <summary>Topic names <c>prefix0 .. prefix(T-1)</c>, kept both as text and as ready-to-send quoted JSON.</summary>
internal sealed class TopicSet
{
    private readonly string[] _names;
    private readonly byte[][] _json;

    public TopicSet(string prefix, int count)
    {
        _names = new string[count];
        _json = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            _names[i] = prefix + i.ToString(CultureInfo.InvariantCulture);
            _json[i] = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(_names[i], WorkloadJsonContext.Default.String));
        }
    }

    public int Count => _names.Length;

    public string NameOf(int topic) => _names[topic];

    /// <summary>The topic as a JSON string literal, quotes included.</summary>
    public ReadOnlySpan<byte> JsonOf(int topic) => _json[topic];
}
