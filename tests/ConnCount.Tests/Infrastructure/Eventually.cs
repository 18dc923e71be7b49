namespace ConnCount.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a bounded timeout passes; never a bare sleep.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        T last;
        Exception? lastError = null;
        do
        {
            try
            {
                last = await probe();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or TaskCanceledException)
            {
                lastError = ex;
                last = default!;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Condition not met in time{(because is null ? "" : $": {because}")}. Last value: {System.Text.Json.JsonSerializer.Serialize(last)}", lastError);
    }
}
