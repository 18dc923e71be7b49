using ConnCount.Cluster.Gathering;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace ConnCount.Tests.Unit;

/// <summary>A NATS loop that keeps failing the same way warns once a minute, not once a second, and keeps retrying.</summary>
public class NatsLoopTests
{
    [Fact]
    public void The_same_failure_is_quiet_for_a_minute_and_a_new_one_warns_at_once()
    {
        var time = new UsageLedgerTests.ManualTime(DateTimeOffset.UnixEpoch);
        var failures = new NatsLoop.RepeatedFailure(time);

        Assert.True(failures.ShouldWarn(new NatsNoRespondersException(), out var quieted));
        Assert.Equal(0, quieted);
        for (var i = 0; i < 59; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.False(failures.ShouldWarn(new NatsNoRespondersException(), out _));
        }

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(failures.ShouldWarn(new NatsNoRespondersException(), out quieted));
        Assert.Equal(59, quieted);

        Assert.True(failures.ShouldWarn(new NatsException("connection lost"), out quieted));
        Assert.Equal(0, quieted);
        Assert.True(failures.ShouldWarn(new NatsNoRespondersException(), out _));
    }

    [Fact]
    public async Task A_failing_loop_is_retried_every_second_and_warned_about_once()
    {
        var logger = new CountingLogger();
        var runs = 0;
        using var stop = new CancellationTokenSource();
        var loop = NatsLoop.KeepRunningAsync("test loop", _ =>
        {
            if (Interlocked.Increment(ref runs) == 3)
            {
                stop.Cancel();
            }

            throw new NatsNoRespondersException();
        }, logger, stop.Token);

        await loop.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, runs);
        Assert.Equal(1, logger.Warnings);
        Assert.Contains("-js", logger.LastWarning);
    }

    private sealed class CountingLogger : ILogger
    {
        public int Warnings;
        public string LastWarning = "";

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings++;
                LastWarning = formatter(state, exception);
            }
        }
    }
}
