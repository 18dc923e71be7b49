using System.Globalization;
using ConnCount.Cluster.Gathering;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ConnCount.StatsApi.History;

/// <summary>Reads stored samples back from <see cref="HistoryStorage.Stream"/>.</summary>
public sealed class HistoryArchive(INatsConnection nats)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The samples whose instant is in [<paramref name="from"/>, <paramref name="to"/>), oldest first.</summary>
    /// <exception cref="ClusterUnavailableException">NATS or JetStream cannot be reached.</exception>
    public async Task<IReadOnlyList<HistorySample>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            var js = new NatsJSContext(nats);
            INatsJSStream stream;
            try
            {
                stream = await js.GetStreamAsync(HistoryStorage.Stream, cancellationToken: timeout.Token);
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                return [];
            }

            // A sample is stored just after its instant, so nothing stored before `from` can be in the range, and a
            // consumer is only started when there is a message for it to end on.
            if (stream.Info.State.Messages == 0 || (DateTimeOffset.TryParse(stream.Info.State.LastTs, CultureInfo.InvariantCulture, out var last) && last < from))
            {
                return [];
            }

            var consumer = await js.CreateOrderedConsumerAsync(
                HistoryStorage.Stream,
                new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartTime, OptStartTime = from },
                timeout.Token);
            var samples = new List<HistorySample>();
            await foreach (var msg in consumer.ConsumeAsync(HistoryStorage.Serializer, cancellationToken: timeout.Token))
            {
                if (msg.Data is { } sample)
                {
                    if (sample.At >= to)
                    {
                        break;
                    }

                    if (sample.At >= from)
                    {
                        samples.Add(sample);
                    }
                }

                if (msg.Metadata is not { NumPending: > 0 })
                {
                    break;
                }
            }

            samples.Sort((a, b) => a.At.CompareTo(b.At));
            return samples;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnavailableException("The cluster history in NATS JetStream cannot be read: " + ex.Message, ex);
        }
    }
}
