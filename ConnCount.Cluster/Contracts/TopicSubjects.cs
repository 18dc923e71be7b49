using System.Buffers.Text;
using System.Text;

namespace ConnCount.Cluster.Contracts;

/// <summary>
/// The NATS subject a topic's messages travel on: <see cref="Prefix"/> and the topic's UTF-8 bytes in base64url. The
/// encoding is one-to-one and uses only letters, digits, <c>-</c> and <c>_</c>, so any topic a node accepts (dots,
/// <c>*</c>, <c>&gt;</c>, spaces, any Unicode, 256 UTF-16 units) is one valid subject token, and no topic can receive
/// another's messages or match a wildcard meant for one.
/// </summary>
public static class TopicSubjects
{
    /// <summary>The subjects of topic messages start with this.</summary>
    public const string Prefix = "conncount.v1.topics.";

    /// <summary>The subjects of topic presence changes (<see cref="PresenceChange"/>) start with this.</summary>
    public const string PresencePrefix = "conncount.v1.presence.topics.";

    /// <summary>The subject of <paramref name="topic"/>.</summary>
    public static string For(string topic) => Prefix + Token(topic);

    /// <summary>The subject of <paramref name="topic"/>'s presence changes: the same token under <see cref="PresencePrefix"/>.</summary>
    public static string PresenceFor(string topic) => PresencePrefix + Token(topic);

    private static string Token(string topic) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(topic));
}
