using ConnCount.SocketNode.Spikes;

namespace ConnCount.Tests.Unit;

public class SpikeDetectorTests
{
    [Fact]
    public void A_burst_over_factor_times_the_baseline_is_reported_once_when_it_starts()
    {
        var detector = new SpikeDetector(factor: 4, alpha: 0.5, floor: 10, seedFromFirstSample: true);
        foreach (var rate in new double[] { 20, 22, 18, 21 })
        {
            Assert.False(detector.Observe(rate));
        }

        Assert.True(detector.Observe(200));
        Assert.False(detector.Observe(210));
        Assert.False(detector.Observe(20));
        Assert.True(detector.Observe(300));
    }

    [Fact]
    public void A_node_restarted_under_load_does_not_spike_on_its_first_sample()
    {
        var detector = new SpikeDetector(factor: 4, alpha: 0.5, floor: 10, seedFromFirstSample: true);
        Assert.False(detector.Observe(500));
        Assert.False(detector.Observe(520));
    }

    [Fact]
    public void Rates_under_the_floor_never_spike_even_from_a_zero_baseline()
    {
        var detector = new SpikeDetector(factor: 4, alpha: 0.5, floor: 10, seedFromFirstSample: false);
        Assert.False(detector.Observe(0));
        Assert.False(detector.Observe(9));
        Assert.True(detector.Observe(50));
    }

    [Fact]
    public void Steady_growth_moves_the_baseline_instead_of_spiking()
    {
        var detector = new SpikeDetector(factor: 4, alpha: 0.5, floor: 10, seedFromFirstSample: true);
        for (var rate = 20.0; rate < 400; rate *= 1.5)
        {
            Assert.False(detector.Observe(rate));
        }
    }

    [Fact]
    public void A_quiet_series_becomes_idle()
    {
        var detector = new SpikeDetector(factor: 4, alpha: 0.5, floor: 10, seedFromFirstSample: false);
        detector.Observe(20);
        for (var i = 0; i < 20; i++)
        {
            detector.Observe(0);
        }

        Assert.True(detector.Idle);
    }
}
