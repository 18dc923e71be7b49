namespace ConnCount.GatherBench;

/// <summary>Every sample kept (a run is at most a few hundred thousand), so percentiles are exact, not bucketed.</summary>
internal sealed class LatencySamples
{
    private readonly List<double> _millis;

    public LatencySamples(int capacity = 1024) => _millis = new List<double>(capacity);

    public int Count => _millis.Count;

    public void Add(TimeSpan elapsed) => _millis.Add(elapsed.TotalMilliseconds);

    public void AddRange(LatencySamples other) => _millis.AddRange(other._millis);

    public LatencySummary Summarize()
    {
        if (_millis.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }

        var sorted = _millis.ToArray();
        Array.Sort(sorted);
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencySummary(
            sorted.Length,
            Math.Round(sorted.Average(), 4),
            Math.Round(At(0.50), 4),
            Math.Round(At(0.90), 4),
            Math.Round(At(0.99), 4),
            Math.Round(sorted[^1], 4));
    }
}
