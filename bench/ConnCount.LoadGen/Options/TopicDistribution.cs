using System.Globalization;

namespace ConnCount.LoadGen.Options;

/// <summary>How topics are drawn: uniform, or Zipf with an exponent (rank 1 is topic 0).</summary>
internal sealed record TopicDistribution(double ZipfExponent)
{
    public static TopicDistribution Uniform { get; } = new(0);

    public bool IsUniform => ZipfExponent == 0;

    /// <summary>Parses <c>uniform</c> or <c>zipf:S</c> (<c>zipf</c> alone means S = 1).</summary>
    public static TopicDistribution Parse(string text)
    {
        if (text.Equals("uniform", StringComparison.OrdinalIgnoreCase))
        {
            return Uniform;
        }

        if (text.Equals("zipf", StringComparison.OrdinalIgnoreCase))
        {
            return new TopicDistribution(1.0);
        }

        const string prefix = "zipf:";
        if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text.AsSpan(prefix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var exponent)
            && exponent > 0)
        {
            return new TopicDistribution(exponent);
        }

        throw new FormatException($"'{text}' is not a distribution: use uniform or zipf:S with S > 0.");
    }

    public override string ToString() =>
        IsUniform ? "uniform" : string.Create(CultureInfo.InvariantCulture, $"zipf:{ZipfExponent}");
}
