using System.Text.Json.Serialization;

namespace ConnCount.Baseline;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(MemorySnapshot))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;
