namespace ConnCount.LoadGen.Modes;

/// <summary>Connect N sockets, join each to its topics, hold them for the duration.</summary>
internal sealed class HoldMode : ILoadMode
{
    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        var slots = new Phoenix.PhoenixConnection?[run.Options.Sockets];
        var ramp = await SocketRamp.FillAsync(run, slots, run.Options.JoinsPerSocket, cancellationToken);
        var opened = slots.Count(s => s is not null);
        Console.Error.WriteLine($"hold: {opened} of {slots.Length} sockets open after {ramp.TotalSeconds:F1} s; holding {run.Options.EffectiveDuration.TotalSeconds:F0} s");

        try
        {
            await Task.Delay(run.Options.EffectiveDuration, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped early: what was opened is still worth reporting.
        }

        return new ModeOutcome("sockets", opened, ramp);
    }
}
