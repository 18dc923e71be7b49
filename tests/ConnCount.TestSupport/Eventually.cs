using System.Net.WebSockets;
using System.Text.Json;

namespace ConnCount.TestSupport;

/// <summary>Bounded polling: the way tests wait for a distributed state instead of sleeping.</summary>
public static class Eventually
{
    /// <summary>How long a wait lasts when the caller names no timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc cref="MatchAsync{T}(Func{CancellationToken, Task{T}}, Func{T, bool}, TimeSpan?, string?, CancellationToken)"/>
    public static Task<T> MatchAsync<T>(
        Func<Task<T>> probe,
        Func<T, bool> condition,
        TimeSpan? timeout = null,
        string? because = null,
        CancellationToken cancellationToken = default) =>
        MatchAsync(_ => probe(), condition, timeout, because, cancellationToken);

    /// <summary>
    /// Probes every 100 ms until <paramref name="condition"/> holds and returns that value. When
    /// <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>) passes first, throws a
    /// <see cref="TimeoutException"/> that shows the last value seen and the last probe's error.
    /// A probe that fails on the way (HTTP, I/O, WebSocket, a request cut off) is retried; the probe's token
    /// is cancelled at the deadline.
    /// </summary>
    public static async Task<T> MatchAsync<T>(
        Func<CancellationToken, Task<T>> probe,
        Func<T, bool> condition,
        TimeSpan? timeout = null,
        string? because = null,
        CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? DefaultTimeout);

        var seen = false;
        T last = default!;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await probe(deadline.Token);
                seen = true;
                lastError = null;
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                lastError = ex;
            }

            try
            {
                await Task.Delay(PollInterval, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        var lastValue = seen ? Describe(last) : "none (no probe succeeded)";
        throw new TimeoutException(
            $"Condition not met within {timeout ?? DefaultTimeout}{(because is null ? "" : $": {because}")}. Last value: {lastValue}", lastError);
    }

    private static bool IsTransient(Exception ex) =>
        ex is HttpRequestException or IOException or WebSocketException or OperationCanceledException;

    private static string Describe<T>(T value)
    {
        try
        {
            return JsonSerializer.Serialize(value);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            // Not every probed state serialises (resource snapshots, say); its ToString still says something.
            return value?.ToString() ?? "null";
        }
    }
}
