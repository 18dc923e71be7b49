using System.Diagnostics;
using ConnCount.LoadGen.Options;
using ConnCount.LoadGen.Phoenix;
using ConnCount.LoadGen.Reporting;
using ConnCount.LoadGen.Transport;
using ConnCount.LoadGen.Workload;

namespace ConnCount.LoadGen;

/// <summary>What every part of one run shares: options, targets, counters, latencies, the ledger and the open connections.</summary>
internal sealed class RunContext : IDisposable
{
    private long _sequence = -1;

    private RunContext(LoadGenOptions options, TargetPlan plan)
    {
        Options = options;
        Plan = plan;
        Topics = new TopicSet(options.TopicPrefix, options.Topics);
        Sampler = new TopicSampler(options.Topics, options.Distribution);
        Ledger = new Ledger(options.Topics);
        Connector = options.Client == ClientKind.Http
            ? new HttpWebSocketConnector(options.SourceAddresses)
            : new RawWebSocketConnector();
    }

    public LoadGenOptions Options { get; }

    public TargetPlan Plan { get; }

    public TopicSet Topics { get; }

    public TopicSampler Sampler { get; }

    public Ledger Ledger { get; }

    public LoadCounters Counters { get; } = new();

    public RunLatencies Latencies { get; } = new();

    public FailureLog Failures { get; } = new();

    public ConnectionRegistry Registry { get; } = new();

    public IWebSocketConnector Connector { get; }

    /// <summary>Set by a mode that looks into pushes (the latency modes), before it opens its sockets.</summary>
    public IPushObserver? PushObserver { get; set; }

    public static async Task<RunContext> CreateAsync(LoadGenOptions options, CancellationToken cancellationToken) =>
        new(options, await TargetPlan.CreateAsync(options.Urls, options.SourceAddresses, cancellationToken));

    /// <summary>
    /// Opens the run's next socket (next URL and source address round-robin) and starts its receive loop.
    /// A failed connect is counted and logged and gives null; only the run's own cancellation throws.
    /// </summary>
    public async Task<PhoenixConnection?> OpenAsync(CancellationToken cancellationToken)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var start = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.Timeout);
        OpenedSocket opened;
        try
        {
            opened = await Connector.ConnectAsync(Plan.For(sequence), timeout.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever the cause (refused, reset, timeout, no upgrade), a failed connect is a figure to report.
            Interlocked.Increment(ref Counters.SocketsFailed);
            Failures.Add("connect", e);
            return null;
        }

        Latencies.Connect.RecordSince(start);
        Interlocked.Increment(ref Counters.SocketsOpened);
        Interlocked.Increment(ref Counters.OpenSockets);
        var connection = new PhoenixConnection(sequence, opened, this);
        Registry.Add(connection);
        connection.Start();
        return connection;
    }

    /// <summary>Waits until no join or leave is waiting for its reply, so the ledger is final; false on timeout.</summary>
    public async Task<bool> WaitForRepliesAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref Counters.PendingReplies) > 0)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                return false;
            }

            await Task.Delay(10, cancellationToken);
        }

        return true;
    }

    public void Dispose() => Connector.Dispose();
}
