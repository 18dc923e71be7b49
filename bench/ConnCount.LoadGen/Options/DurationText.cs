using System.Globalization;

namespace ConnCount.LoadGen.Options;

/// <summary>Durations as written on a command line: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>, or bare seconds.</summary>
internal static class DurationText
{
    public static TimeSpan Parse(string text)
    {
        var trimmed = text.Trim();
        var (suffixLength, scale) = trimmed switch
        {
            _ when trimmed.EndsWith("ms", StringComparison.Ordinal) => (2, 0.001),
            _ when trimmed.EndsWith('s') => (1, 1.0),
            _ when trimmed.EndsWith('m') => (1, 60.0),
            _ when trimmed.EndsWith('h') => (1, 3600.0),
            _ => (0, 1.0),
        };

        if (!double.TryParse(trimmed.AsSpan(0, trimmed.Length - suffixLength), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new FormatException($"'{text}' is not a duration (e.g. 500ms, 30s, 2m).");
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
