using BenchmarkDotNet.Running;

namespace ConnCount.Benchmarks;

/// <summary>
/// Runs the micro-benchmarks: <c>dotnet run -c Release --project bench/ConnCount.Benchmarks -- --filter '*'</c>.
/// Every BenchmarkDotNet option works (<c>--inProcess</c>, <c>--job short</c>, <c>--artifacts DIR</c>, <c>--list flat</c>).
/// </summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
