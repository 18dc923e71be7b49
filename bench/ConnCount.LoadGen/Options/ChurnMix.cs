using System.Globalization;

namespace ConnCount.LoadGen.Options;

/// <summary>Relative weights of the churn event kinds.</summary>
internal sealed record ChurnMix(int Join, int Leave, int Close, int Abort)
{
    public static ChurnMix Default { get; } = new(40, 40, 10, 10);

    public int Total => Join + Leave + Close + Abort;

    /// <summary>Parses <c>join=40,leave=40,close=10,abort=10</c>; kinds left out weigh 0.</summary>
    public static ChurnMix Parse(string text)
    {
        int join = 0, leave = 0, close = 0, abort = 0;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
            {
                throw new FormatException($"'{part}' is not kind=weight.");
            }

            switch (pair[0].ToLowerInvariant())
            {
                case "join": join = weight; break;
                case "leave": leave = weight; break;
                case "close": close = weight; break;
                case "abort": abort = weight; break;
                default: throw new FormatException($"'{pair[0]}' is not a churn kind (join, leave, close, abort).");
            }
        }

        var mix = new ChurnMix(join, leave, close, abort);
        return mix.Total > 0 ? mix : throw new FormatException("The churn mix needs at least one positive weight.");
    }

    public override string ToString() => $"join={Join},leave={Leave},close={Close},abort={Abort}";
}
