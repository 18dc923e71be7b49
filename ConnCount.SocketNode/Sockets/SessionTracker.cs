using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// Knows every open session so it can close idle ones (the idle timeout), close them all with 1001
/// when the node stops or drains, and close the ones an admin selects. It never touches counts: ending a session's
/// loop does that.
/// </summary>
public sealed class SessionTracker(
    IOptions<SocketNodeOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<SessionTracker> logger) : BackgroundService
{
    private static readonly TimeSpan CloseHandshakeGrace = TimeSpan.FromSeconds(3);

    private Task _closingAll = Task.CompletedTask;

    private readonly OpenConnectionList _sessions = new();

    public int Count => _sessions.Count;

    /// <summary>
    /// The longest a socket silent for good stays open on a running node: the idle timeout, one sweep, and the close
    /// handshake's grace. A node that falls silent itself may hold sockets this long after its last heartbeat interval.
    /// </summary>
    public static TimeSpan IdleCloseBound(TimeSpan idleTimeout) => idleTimeout + SweepPeriod(idleTimeout) + CloseHandshakeGrace;

    // Checking ten times per timeout keeps the overshoot under 10 %.
    private static TimeSpan SweepPeriod(TimeSpan idleTimeout) => TimeSpan.FromMilliseconds(Math.Clamp(idleTimeout.TotalMilliseconds / 10, 50, 1000));

    public void Add(PhoenixConnection session) => _sessions.Add(session);

    public void Remove(PhoenixConnection session) => _sessions.Remove(session);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Close sockets as soon as stopping begins: the web server stops before this service and would
        // otherwise wait for the long-lived sockets, then cut them without a close frame.
        using var onStopping = lifetime.ApplicationStopping.Register(() => _closingAll = CloseAllAsync("node stopping"));
        var idle = options.Value.IdleTimeout;
        using var timer = new PeriodicTimer(SweepPeriod(idle));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                AbortIdle(Environment.TickCount64 - (long)idle.TotalMilliseconds);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _closingAll.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Going away: 1001 tells clients to reconnect, to another replica. A client that does not finish the
    /// close handshake in time is cut off, so a stop never hangs on it.
    /// </summary>
    public async Task<int> CloseAllAsync(string reason)
    {
        var sessions = _sessions.Where();
        logger.LogInformation("{Reason}: closing {Count} sockets with 1001", reason, sessions.Count);
        await CloseAsync(sessions, WebSocketCloseStatus.EndpointUnavailable, reason);
        return sessions.Count;
    }

    /// <summary>
    /// Closes every open socket that <paramref name="match"/> selects with <paramref name="status"/> and
    /// <paramref name="reason"/>, and answers once they are gone: each one's client finished the close handshake or,
    /// after the grace, was cut off. Their memberships end on the sockets' own close path, once each.
    /// </summary>
    /// <remarks>Scans every session: for rare admin requests, cheaper than an index kept up to date on every join.</remarks>
    /// <returns>How many sockets it closed.</returns>
    public async Task<int> CloseMatchingAsync(Func<PhoenixConnection, bool> match, WebSocketCloseStatus status, string reason)
    {
        var sessions = _sessions.Where(match);
        await CloseAsync(sessions, status, reason);
        return sessions.Count;
    }

    private async Task CloseAsync(List<PhoenixConnection> sessions, WebSocketCloseStatus status, string reason)
    {
        // The grace bounds the close frames' sends too: a peer that reads nothing must not hold the answer up.
        using (var sendTimeout = new CancellationTokenSource(CloseHandshakeGrace))
        {
            await Task.WhenAll(sessions.Select(s => s.CloseAsync(status, reason, sendTimeout.Token)));
        }

        var deadline = Environment.TickCount64 + (long)CloseHandshakeGrace.TotalMilliseconds;
        while (sessions.Any(_sessions.Contains) && Environment.TickCount64 < deadline)
        {
            await Task.Delay(50);
        }

        foreach (var session in sessions.Where(_sessions.Contains))
        {
            session.Abort();
        }
    }

    private void AbortIdle(long silentSince)
    {
        // Picked under the list's locks, closed outside them: a close may end the socket, which leaves the list.
        foreach (var session in _sessions.Where(s => s.LastActivity < silentSince))
        {
            logger.LogDebug("Closing a socket idle past the timeout");
            _ = session.CloseIdleAsync(CloseHandshakeGrace);
        }
    }
}
