using System.Text.Json;

namespace ConnCount.Cluster.Durable;

/// <summary>
/// Cuts durable usage entries into chunks, each a message under the NATS payload limit: a node's
/// <see cref="Contracts.UsageRecord"/>s and the StatsApi's closed <see cref="Contracts.UsagePeriodRecord"/>s alike,
/// by one estimate of their JSON size.
/// </summary>
public static class UsageChunks
{
    /// <summary>What a message takes in the estimate besides its entries: its own fields.</summary>
    public const int OverheadBytes = 512;

    /// <summary>What one entry takes in the estimate besides its name: quotes, colon, figure and comma.</summary>
    public const int EntryBytes = 32;

    /// <summary>The bytes a chunk's JSON may take: half the server's <c>max_payload</c> (1 MB when not known), for room to spare.</summary>
    public static int MaxChunkBytes(long? maxPayload) => (int)Math.Min(maxPayload is > 0 and var max ? max : 1024 * 1024, int.MaxValue) / 2;

    /// <summary>The estimated JSON size of one entry named <paramref name="name"/>: <see cref="EntryBytes"/> and the name as written.</summary>
    /// <remarks>
    /// The name is measured JSON-escaped as the contracts' serializer writes it (the default encoder): outside ASCII, and
    /// for <c>"</c>, <c>&lt;</c>, <c>&amp;</c> and the like, a character takes six bytes (<c>\u00E9</c>), not its UTF-8 bytes.
    /// </remarks>
    public static int EntrySize(string name) => EntryBytes + JsonEncodedText.Encode(name).EncodedUtf8Bytes.Length;

    /// <summary>
    /// What a period takes in a node record's estimate besides its entries: the object of one
    /// <see cref="Contracts.UsagePeriodDelta"/>, its start and its two maps.
    /// </summary>
    public const int PeriodBytes = 96;

    /// <summary>
    /// Splits <paramref name="entries"/>, in their order, into chunks of about <paramref name="maxChunkBytes"/> of JSON
    /// each; always at least one chunk (empty when there are no entries), and never an empty chunk after the first.
    /// </summary>
    /// <param name="name">The name of an entry (its topic or tenant).</param>
    /// <param name="fixedBytes">What every chunk repeats besides <see cref="OverheadBytes"/>.</param>
    /// <param name="period">
    /// The period of an entry when a chunk groups its entries per period (entries sorted by it): each period a chunk
    /// holds adds <see cref="PeriodBytes"/>.
    /// </param>
    public static IReadOnlyList<IReadOnlyList<T>> Split<T>(
        IEnumerable<T> entries, Func<T, string> name, int maxChunkBytes, int fixedBytes = 0, Func<T, long>? period = null)
    {
        var chunks = new List<IReadOnlyList<T>>();
        var current = new List<T>();
        var bytes = OverheadBytes + fixedBytes;
        long? lastPeriod = null;
        foreach (var entry in entries)
        {
            var size = EntrySize(name(entry));
            var entryPeriod = period?.Invoke(entry);
            if (current.Count > 0 && bytes + size + Opening(entryPeriod, lastPeriod) > maxChunkBytes)
            {
                chunks.Add(current);
                current = [];
                bytes = OverheadBytes + fixedBytes;
                lastPeriod = null;
            }

            current.Add(entry);
            bytes += size + Opening(entryPeriod, lastPeriod);
            lastPeriod = entryPeriod;
        }

        chunks.Add(current);
        return chunks;
    }

    /// <summary>The bytes of a period's object when <paramref name="entry"/> opens one in its chunk.</summary>
    private static int Opening(long? entry, long? last) => entry is not null && entry != last ? PeriodBytes : 0;
}
