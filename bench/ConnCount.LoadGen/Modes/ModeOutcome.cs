namespace ConnCount.LoadGen.Modes;

/// <summary>The headline figure of a mode: how many of what, over how long.</summary>
internal sealed record ModeOutcome(string Unit, long Count, TimeSpan Elapsed)
{
    public double PerSecond => Elapsed > TimeSpan.Zero ? Count / Elapsed.TotalSeconds : 0;
}
