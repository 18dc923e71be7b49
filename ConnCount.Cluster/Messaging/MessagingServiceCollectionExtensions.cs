using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ConnCount.Cluster.Messaging;

/// <summary>Registers the message rules (<see cref="TopicMessageRules"/>) from <c>ConnCount:Messages</c>, validated at start.</summary>
public static class MessagingServiceCollectionExtensions
{
    public static IServiceCollection AddTopicMessageRules(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MessagingOptions>()
            .Bind(configuration.GetSection(MessagingOptions.SectionName))
            .Validate(o => o.Topics.All(r => r.Pattern.Length > 0 && !r.Pattern.StartsWith(TopicMessageRules.StatsTopicPrefix, StringComparison.Ordinal)),
                "Every ConnCount:Messages:Topics rule needs a Pattern, and stats:* topics carry no messages.")
            .Validate(o => o.Topics.All(r => r.MaxPayloadBytes is >= 2 and <= 1024 * 1024 && r.MessagesPerSecondPerSocket is >= 1 and <= 100_000),
                "ConnCount:Messages:Topics rules need MaxPayloadBytes from 2 to 1,048,576 and MessagesPerSecondPerSocket from 1 to 100,000.")
            .ValidateOnStart();
        services.AddSingleton<TopicMessageRules>();
        return services;
    }
}
