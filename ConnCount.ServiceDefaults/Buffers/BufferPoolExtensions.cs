using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ConnCount.ServiceDefaults.Buffers;

/// <summary>Serves Kestrel's buffers from a <see cref="ReleasingMemoryPool"/> where pages can be given back (Linux).</summary>
public static class BufferPoolExtensions
{
    public static TBuilder AddReleasingBufferPool<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<BufferPoolOptions>()
            .BindConfiguration(BufferPoolOptions.Section)
            .Validate(o => o.ReleasePeriod > TimeSpan.Zero, $"{BufferPoolOptions.Section}:ReleasePeriod must be positive.")
            .ValidateOnStart();

        if (!PageRelease.IsSupported || !builder.Configuration.GetValue($"{BufferPoolOptions.Section}:{nameof(BufferPoolOptions.ReleaseIdle)}", true))
        {
            return builder;
        }

        // Kestrel registers its own factory with TryAdd; the last registration is the one resolved.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReleasingMemoryPoolFactory>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(sp => sp.GetRequiredService<ReleasingMemoryPoolFactory>());
        return builder;
    }
}
