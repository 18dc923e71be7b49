using ConnCount.Cluster.Contracts;

namespace ConnCount.StatsApi.Admin;

/// <summary>What a disconnect selects, once its body is valid: <see cref="By"/> is <c>user</c>, <c>topic</c> or <c>node</c>.</summary>
public sealed record DisconnectSelector(string By, string Value)
{
    /// <summary>The longest user accepted, like a topic: a <c>sub</c> is an id, not a document.</summary>
    public const int MaxUserLength = 256;

    /// <summary>
    /// The selector <paramref name="body"/> names, or null with the reasons added to <paramref name="errors"/> (keyed
    /// by the field at fault, or <c>body</c>): none or more than one selector, an empty or oversize value, a node id
    /// that is not one NATS subject token.
    /// </summary>
    public static DisconnectSelector? From(DisconnectBody body, IDictionary<string, string[]> errors)
    {
        var named = new[] { ("user", body.User), ("topic", body.Topic), ("node", body.Node) }.Where(s => s.Item2 is not null).ToList();
        if (named.Count != 1)
        {
            errors["body"] = [$"Name exactly one of user, topic or node ({(named.Count == 0 ? "none" : string.Join(", ", named.Select(s => s.Item1)))} given): {{\"user\": \"alice\"}}, {{\"topic\": \"room:1\"}} or {{\"node\": \"<id>\"}}."];
            return null;
        }

        var (by, value) = named[0];
        var error = by switch
        {
            "user" when value!.Length is 0 or > MaxUserLength => $"A user is 1 to {MaxUserLength} characters.",
            "topic" when value!.Length is 0 or > TopicNames.MaxLength => $"A topic is 1 to {TopicNames.MaxLength} characters.",
            // The id becomes a subject token: '.', '*', '>' or whitespace would address other nodes, or several.
            "node" when !NodeIds.IsSubjectToken(value) => $"A node id is 1 to {NodeIds.MaxLength} characters without '.', '*', '>', whitespace or control characters.",
            _ => null,
        };
        if (error is not null)
        {
            errors[by] = [error];
            return null;
        }

        return new DisconnectSelector(by, value!);
    }
}
