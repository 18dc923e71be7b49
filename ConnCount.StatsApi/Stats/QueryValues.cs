using System.Globalization;
using ConnCount.Cluster.Contracts;

namespace ConnCount.StatsApi.Stats;

/// <summary>
/// Raw query values read into what a query holds, each bad value named in the errors of a validation problem.
/// Values are taken as strings so that "abc" and "-1" get the same 400 problem as "20000", in every environment.
/// </summary>
internal static class QueryValues
{
    /// <summary>A topic prefix: empty when not given, at most <see cref="TopicNames.MaxLength"/> characters.</summary>
    public static string Prefix(string? raw, Dictionary<string, string[]> errors, string name = "prefix")
    {
        if (raw is { Length: > TopicNames.MaxLength })
        {
            errors[name] = [$"A prefix is at most {TopicNames.MaxLength} characters long."];
        }

        return raw ?? "";
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="fallback"/> when not given or bad.</summary>
    public static int Int(string name, string? raw, int min, int max, int fallback, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [max == int.MaxValue
            ? $"{name} is a whole number from {min}."
            : $"{name} is a whole number from {min} to {max.ToString("N0", CultureInfo.InvariantCulture)}."];
        return fallback;
    }

    /// <summary>The ISO 8601 forms an instant is read in: a date, or a date and time with an offset, <c>Z</c> or none (UTC).</summary>
    private static readonly string[] InstantFormats =
        ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd"];

    /// <summary>An ISO 8601 instant, taken as UTC when it names no offset; null when not given or bad.</summary>
    public static DateTimeOffset? Instant(string name, string? raw, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        if (DateTimeOffset.TryParseExact(raw, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        errors[name] = [$"{name} is an ISO 8601 instant, such as 2026-12-01T00:00:00Z."];
        return null;
    }

    /// <summary><paramref name="range"/> before <paramref name="end"/>, or the earliest instant when that is before it.</summary>
    public static DateTimeOffset Before(DateTimeOffset end, TimeSpan range) =>
        end.UtcTicks - DateTimeOffset.MinValue.UtcTicks < range.Ticks ? DateTimeOffset.MinValue : end - range;
}
