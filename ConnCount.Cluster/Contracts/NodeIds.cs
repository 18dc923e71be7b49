namespace ConnCount.Cluster.Contracts;

/// <summary>What a node id may contain to name that node in a NATS subject.</summary>
public static class NodeIds
{
    /// <summary>The longest node id the admin subjects accept; replica ids are far shorter.</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// Whether <paramref name="id"/> can be exactly one token of a subject: not empty, at most <see cref="MaxLength"/>
    /// characters, and no <c>.</c> (a token separator), <c>*</c> or <c>&gt;</c> (wildcards), whitespace or control
    /// characters (which end a subject in the NATS protocol). An id that fails this could reach another node's subject,
    /// or several nodes at once.
    /// </summary>
    public static bool IsSubjectToken(string? id) =>
        !string.IsNullOrEmpty(id)
        && id.Length <= MaxLength
        && !id.Any(c => c is '.' or '*' or '>' || char.IsWhiteSpace(c) || char.IsControl(c));
}
