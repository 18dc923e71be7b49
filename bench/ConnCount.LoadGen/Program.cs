using System.Runtime.InteropServices;
using ConnCount.LoadGen;
using ConnCount.LoadGen.Options;

if (args is [] or ["-h" or "--help"])
{
    Console.Out.WriteLine(OptionsParser.Usage);
    return args.Length == 0 ? 2 : 0;
}

LoadGenOptions options;
try
{
    options = OptionsParser.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(OptionsParser.Usage);
    return 2;
}

// Ctrl+C or SIGTERM stops the workload; the report is still written and the sockets are aborted.
using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

return await LoadRun.ExecuteAsync(options, stop.Token);

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
