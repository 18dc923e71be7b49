using System.Collections.Concurrent;
using System.Diagnostics;

namespace ConnCount.TestSupport;

/// <summary>A real child process (nats-server, a service, the AppHost, a browser) with its output kept for diagnostics.</summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    /// <summary>How many of the last output lines are kept unless the caller asks for more.</summary>
    public const int DefaultKeptLines = 400;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Action<string>? _onLine;
    private readonly int _keptLines;
    private int _disposed;

    private ExternalProcess(Process process, Action<string>? onLine, int keptLines)
    {
        _process = process;
        _onLine = onLine;
        _keptLines = keptLines;
    }

    public string Output => string.Join(Environment.NewLine, _output);

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once the process has exited.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public int Id => _process.Id;

    /// <param name="environment">Variables set on top of this process's.</param>
    /// <param name="onLine">Sees every line of output (the kept output is only the last <paramref name="keptLines"/>).</param>
    public static ExternalProcess Start(
        string fileName,
        IEnumerable<string> args,
        IDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        Action<string>? onLine = null,
        int keptLines = DefaultKeptLines)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new ExternalProcess(process, onLine, keptLines);
        process.OutputDataReceived += (_, e) => wrapper.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Kills without warning (SIGKILL): no goodbye, no close frames.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for it to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        await SignalAsync("TERM");
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>Freezes the process (SIGSTOP): it holds its sockets and its NATS connection open but answers nothing.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Lets a paused process run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>Waits for the process to exit by itself, up to <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits until <paramref name="seen"/> holds for the output, or the process exits, or the timeout passes.</summary>
    public async Task<bool> WaitForOutputAsync(Func<string, bool> seen, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            if (seen(Output))
            {
                return true;
            }

            await Task.Delay(50);
        }

        if (_process.HasExited)
        {
            // Let the last lines of the exited process be read.
            await WaitForExitAsync(TimeSpan.FromSeconds(1));
        }

        return seen(Output);
    }

    /// <summary>Kills the process if it still runs; a second call does nothing.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return ValueTask.CompletedTask;
        }

        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _onLine?.Invoke(line);
        _output.Enqueue(line);
        while (_output.Count > _keptLines && _output.TryDequeue(out _))
        {
        }
    }
}
