using System.Collections.Concurrent;

namespace ConnCount.LoadGen.Reporting;

/// <summary>Counts failures by a short reason, bounded so a storm of distinct messages cannot grow it.</summary>
internal sealed class FailureLog
{
    private const int MaxReasons = 32;
    private const string Other = "(other)";

    private readonly ConcurrentDictionary<string, long> _reasons = new(StringComparer.Ordinal);

    public void Add(string what, Exception exception) => Add($"{what}: {Describe(exception)}");

    public void Add(string reason)
    {
        var key = _reasons.Count < MaxReasons || _reasons.ContainsKey(reason) ? reason : Other;
        _reasons.AddOrUpdate(key, 1, static (_, n) => n + 1);
    }

    public IReadOnlyDictionary<string, long> Snapshot() =>
        _reasons.OrderByDescending(p => p.Value).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static string Describe(Exception exception)
    {
        // The innermost message names the cause ("Connection refused"), not the wrapper.
        var inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return $"{inner.GetType().Name}: {inner.Message}";
    }
}
