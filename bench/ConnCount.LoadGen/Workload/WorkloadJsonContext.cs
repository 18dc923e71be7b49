using System.Text.Json.Serialization;

namespace ConnCount.LoadGen.Workload;

[JsonSerializable(typeof(string))]
internal sealed partial class WorkloadJsonContext : JsonSerializerContext;
