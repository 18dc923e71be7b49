using System.Text.Json.Serialization;

namespace ConnCount.GatherBench;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(GatherReport))]
internal sealed partial class GatherJsonContext : JsonSerializerContext;
