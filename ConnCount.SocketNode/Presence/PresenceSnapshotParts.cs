using System.Text.Json;
using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Presence;

/// <summary>
/// Cuts a node's <see cref="PresenceSnapshot"/> of a topic into parts, each a NATS message within a byte budget (half
/// the server's <c>max_payload</c>), by an estimate of their JSON that never falls short of it. Pure.
/// </summary>
/// <remarks>The parts are put back together by <see cref="PresenceSnapshotAssembly"/>.</remarks>
internal static class PresenceSnapshotParts
{
    /// <summary>
    /// What a part takes in the estimate besides its entries, its node and its topic: the other fields, their names and
    /// brackets, with every number at its longest (about 150 bytes).
    /// </summary>
    public const int OverheadBytes = 256;

    /// <summary>
    /// What one entry takes in the estimate besides its key and ref: the field names, quotes, braces, the comma and
    /// <c>online_at</c> at its longest (53 bytes).
    /// </summary>
    public const int EntryBytes = 64;

    /// <summary>
    /// Splits <paramref name="whole"/>, its entries in their order, into parts of at most <paramref name="maxBytes"/>
    /// of JSON each, numbered from 0, all with its <see cref="PresenceSnapshot.Seq"/>; always at least one part (empty
    /// when there are no entries). A part holds at least one entry, so an entry larger than the budget alone is a
    /// part larger than it.
    /// </summary>
    public static List<PresenceSnapshot> Split(PresenceSnapshot whole, int maxBytes)
    {
        var fixedBytes = OverheadBytes + Escaped(whole.Node) + Escaped(whole.Topic);
        var groups = new List<List<PresenceEntry>>();
        var current = new List<PresenceEntry>();
        var bytes = fixedBytes;
        foreach (var entry in whole.Entries)
        {
            var size = EntrySize(entry);
            if (current.Count > 0 && bytes + size > maxBytes)
            {
                groups.Add(current);
                current = [];
                bytes = fixedBytes;
            }

            current.Add(entry);
            bytes += size;
        }

        groups.Add(current);
        return [.. groups.Select((entries, part) => whole with { Entries = entries, Part = part, Parts = groups.Count })];
    }

    /// <summary>
    /// Whether <paramref name="part"/> ends its answer. A node's parts go out in order on one connection, and NATS
    /// keeps one connection's messages in order, so a reader has them all once the last arrived; if one is missing
    /// even so, <see cref="PresenceSnapshotAssembly"/> finds the answer incomplete.
    /// </summary>
    public static bool IsLast(PresenceSnapshot part) => part.Part >= part.Parts - 1;

    /// <summary>The estimated JSON size of one entry: <see cref="EntryBytes"/> and its key and ref as written.</summary>
    /// <remarks>
    /// Strings are measured JSON-escaped as the contracts' serializer writes them (the default encoder): outside ASCII,
    /// and for <c>"</c>, <c>&lt;</c>, <c>&amp;</c> and the like, a character takes six bytes (<c>\u00E9</c>).
    /// </remarks>
    public static int EntrySize(PresenceEntry entry) => EntryBytes + Escaped(entry.Key) + Escaped(entry.Ref);

    private static int Escaped(string value) => JsonEncodedText.Encode(value).EncodedUtf8Bytes.Length;
}
