using ConnCount.ServiceDefaults.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers <see cref="RedactingLoggerFactory"/>.</summary>
public static class SecretRedactionExtensions
{
    /// <summary>
    /// Replaces the logger factory with one that masks secrets (API keys, tokens, credential headers) in every
    /// entry before any logging provider sees it. Providers registered before or after this call are covered alike:
    /// the wrapping is at the factory, not per provider.
    /// </summary>
    public static TBuilder AddSecretRedaction<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(services => new RedactingLoggerFactory(
            new LoggerFactory(
                services.GetServices<ILoggerProvider>(),
                services.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
                services.GetService<IOptions<LoggerFactoryOptions>>(),
                services.GetService<IExternalScopeProvider>()))));
        return builder;
    }
}
