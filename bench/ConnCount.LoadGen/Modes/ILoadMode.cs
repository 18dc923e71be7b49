namespace ConnCount.LoadGen.Modes;

/// <summary>A workload. It leaves the sockets it holds open; the run reports, lingers and tears them down.</summary>
internal interface ILoadMode
{
    Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken);
}
