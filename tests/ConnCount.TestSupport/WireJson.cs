using System.Text.Json;

namespace ConnCount.TestSupport;

/// <summary>The JSON conventions of ConnCount's wire: snake_case properties, topic and node keys as sent.</summary>
public static class WireJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
