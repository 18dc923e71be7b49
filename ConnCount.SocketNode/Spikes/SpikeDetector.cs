namespace ConnCount.SocketNode.Spikes;

/// <summary>
/// EWMA spike detection for one series of rates (a pure state machine): a sample is a spike when it is at
/// least the floor and over <c>factor × baseline</c>; a spike is reported once, when it starts, and again
/// only after the rate has come back under the line. A series either starts from a zero baseline (a new
/// topic flooded at once is a spike) or takes its first sample as the baseline (a node restarted under load is not).
/// </summary>
public sealed class SpikeDetector(double factor, double alpha, double floor, bool seedFromFirstSample)
{
    private bool _seeded = !seedFromFirstSample;
    private bool _inSpike;

    public double Baseline { get; private set; }

    /// <summary>Feeds one rate sample; true when it starts a spike.</summary>
    public bool Observe(double rate)
    {
        var spiking = _seeded && rate >= floor && rate > factor * Baseline;
        var starts = spiking && !_inSpike;
        _inSpike = spiking;

        // The spike itself would drag the baseline up: while spiking it learns slowly.
        Baseline = _seeded ? Baseline + ((spiking ? alpha / 10 : alpha) * (rate - Baseline)) : rate;
        _seeded = true;
        return starts;
    }

    /// <summary>True once the series has gone quiet and can be forgotten.</summary>
    public bool Idle => !_inSpike && Baseline < 0.01;
}
