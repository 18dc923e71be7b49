using System.Globalization;
using System.Text.Json.Serialization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ConnCount.StatsApi.History;

/// <summary>
/// Where the history lives: the JetStream stream <see cref="Stream"/>, one <see cref="HistorySample"/> per message on
/// <see cref="Subject"/>, each with the message id of its instant, so however many StatsApi replicas record, each
/// instant is stored once.
/// </summary>
public static class HistoryStorage
{
    /// <summary>The stream of samples.</summary>
    public const string Stream = "CONNCOUNT_HISTORY";

    /// <summary>The subject samples are stored under.</summary>
    public const string Subject = "conncount.v1.history.samples";

    /// <summary>The samples' serializer.</summary>
    public static readonly NatsJsonContextSerializer<HistorySample> Serializer = new(HistoryJsonContext.Default);

    /// <summary>How long the stream remembers a message id: longer than the StatsApi replicas' samples of one instant can lie apart.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromMinutes(10);

    /// <summary>The message id of the sample at <paramref name="at"/>: its Unix seconds.</summary>
    public static string MessageId(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Creates the stream, or updates it to this retention.</summary>
    public static Task EnsureStreamAsync(INatsJSContext js, HistoryOptions options, CancellationToken cancellationToken) =>
        js.CreateOrUpdateStreamAsync(
            new StreamConfig(Stream, [Subject])
            {
                Storage = StreamConfigStorage.File,
                MaxAge = options.Retention,
                DuplicateWindow = DuplicateWindow,
                Description = "ConnCount cluster history: sockets, memberships, nodes, churn and tenants, one sample per interval.",
            },
            cancellationToken).AsTask();
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(HistorySample))]
[JsonSerializable(typeof(HistorySeries))]
internal sealed partial class HistoryJsonContext : JsonSerializerContext;
