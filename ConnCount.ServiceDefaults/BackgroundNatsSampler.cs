using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Keeps NATS traffic that nothing asked for out of the traces: a NATS span with no parent (a heartbeat, a usage
/// sync, a periodic gather, or the receive of one) is dropped; every other root span is sampled. Used as the root
/// sampler of a <see cref="ParentBasedSampler"/>, so a NATS span under a request (a stats request, an admin action,
/// a socket event that gathers) follows its parent and stays in that request's trace.
/// </summary>
public sealed class BackgroundNatsSampler : Sampler
{
    private const string MessagingSystem = "messaging.system";

    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);
    private static readonly SamplingResult Sample = new(SamplingDecision.RecordAndSample);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (samplingParameters.Tags is { } tags)
        {
            foreach (var (key, value) in tags)
            {
                if (key == MessagingSystem && value is "nats")
                {
                    return Drop;
                }
            }
        }

        return Sample;
    }
}
