using System.Reflection;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Node;

/// <summary>
/// Who this node is, fixed for the life of the process: the replica's <c>service.instance.id</c>
/// (Aspire sets one per replica in <c>OTEL_RESOURCE_ATTRIBUTES</c>), and the start time that tells a
/// restarted node apart from its predecessor.
/// </summary>
public sealed class NodeIdentity
{
    public NodeIdentity(IOptions<SocketNodeOptions> options, IConfiguration configuration, TimeProvider time)
    {
        Id = FirstNonEmpty(
            options.Value.Id,
            ReadServiceInstanceId(configuration["OTEL_RESOURCE_ATTRIBUTES"]),
            $"{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}");
        StartedAt = time.GetUtcNow();
        Version = typeof(NodeIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
    }

    public string Id { get; }

    public DateTimeOffset StartedAt { get; }

    public string Version { get; }

    /// <summary>Reads <c>service.instance.id</c> out of <c>key=value,key=value</c>.</summary>
    internal static string? ReadServiceInstanceId(string? resourceAttributes)
    {
        foreach (var pair in (resourceAttributes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq > 0 && pair[..eq].Trim() == "service.instance.id")
            {
                return pair[(eq + 1)..].Trim();
            }
        }

        return null;
    }

    private static string FirstNonEmpty(params string?[] candidates) => candidates.First(c => !string.IsNullOrWhiteSpace(c))!;
}
