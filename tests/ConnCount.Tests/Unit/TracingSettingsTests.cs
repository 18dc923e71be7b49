using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace ConnCount.Tests.Unit;

/// <summary>Spans are recorded only when an OTLP endpoint takes them; metrics are kept either way (Prometheus scrape).</summary>
public class TracingSettingsTests
{
    private static ServiceProvider Services(string? otlpEndpoint)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint });
        builder.AddServiceDefaults();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public void Without_an_otlp_endpoint_no_span_is_recorded_and_metrics_stay()
    {
        using var services = Services(null);

        Assert.Null(services.GetService<TracerProvider>());
        Assert.NotNull(services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }

    [Fact]
    public void With_an_otlp_endpoint_spans_are_recorded()
    {
        using var services = Services("http://127.0.0.1:4317");

        Assert.NotNull(services.GetService<TracerProvider>());
    }
}
