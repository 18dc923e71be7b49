using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.Cluster.Messaging;
using ConnCount.StatsApi.Auth;
using ConnCount.StatsApi.Stats;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace ConnCount.StatsApi.Messages;

/// <summary>
/// <c>POST /api/topics/{topic}/messages</c>: the server publishes a message to every member of a topic on every node,
/// as a member's push would (<see cref="TopicMessage"/> on <see cref="TopicSubjects.For"/>). Needs the publish scope.
/// </summary>
public static class MessagesApi
{
    private static readonly NatsJsonContextSerializer<TopicMessage> Serializer = new(ClusterJsonContext.Default);

    public static RouteGroupBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/topics")
            .WithTags("Messages")
            .RequireAuthorization(ApiKeyDefaults.PublishPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/{topic}/messages", PublishAsync)
            .WithName("PublishMessage")
            .WithSummary("Sends {\"event\", \"payload\"} to every member of the topic on every node; the topic percent-encoded as one path segment.");
        return api;
    }

    public static async Task<Results<Accepted<PublishedMessage>, ValidationProblem, ProblemHttpResult>> PublishAsync(
        [Description("The topic, percent-encoded as UTF-8 (a slash as %2F).")] string topic,
        TopicMessageRules rules,
        INatsConnection nats,
        IOptions<ClusterOptions> cluster,
        HttpContext context,
        CancellationToken cancellationToken)
    {
        var name = TopicPath.SegmentFromEnd(topic, context.Features.Get<IHttpRequestFeature>()?.RawTarget, 2);
        var errors = new Dictionary<string, string[]>();
        var message = await ReadAsync(context.Request, errors, cancellationToken);
        if (name.Length is 0 or > TopicNames.MaxLength)
        {
            errors["topic"] = [$"A topic is 1 to {TopicNames.MaxLength} characters long."];
        }

        var evt = message?.Event;
        if (message is not null && evt is not { Length: > 0 and <= TopicNames.MaxLength })
        {
            errors["event"] = [$"event is a name of 1 to {TopicNames.MaxLength} characters."];
        }
        else if (evt is not null && TopicMessageRules.IsReserved(evt))
        {
            errors["event"] = ["phx_*, get_*, presence_*, connection_stats and heartbeat are the protocol's own events."];
        }

        if (message?.Payload is not { ValueKind: JsonValueKind.Object } payload)
        {
            if (message is not null)
            {
                errors["payload"] = ["payload is a JSON object."];
            }

            payload = default;
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid message");
        }

        if (rules.RuleFor(name) is not { } rule)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Topic carries no messages",
                detail: "No ConnCount:Messages:Topics rule matches this topic, so no node delivers messages on it.");
        }

        if (payload.GetRawText().Length > rule.MaxPayloadBytes)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["payload"] = [$"payload is at most {rule.MaxPayloadBytes} bytes of JSON on this topic."] },
                title: "Invalid message");
        }

        await PublishConfirmedAsync(nats, new TopicMessage(name, evt!, payload), cluster.Value.PublishTimeout, cancellationToken);
        return TypedResults.Accepted((string?)null, new PublishedMessage(name, evt!));
    }

    /// <summary>
    /// Publishes, then pings the NATS server: its answer follows the message on the connection, so once it is back the
    /// server holds the message and the 202 is true. Not connected, or no answer within <paramref name="timeout"/>
    /// (NATS lost but not yet noticed, the client's buffer full), is <see cref="ClusterUnavailableException"/> (503);
    /// after a timeout the message may still go out when NATS answers again.
    /// </summary>
    private static async Task PublishConfirmedAsync(INatsConnection nats, TopicMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (nats.ConnectionState != NatsConnectionState.Open)
        {
            throw new ClusterUnavailableException($"NATS is not connected (state {nats.ConnectionState}); the message was not sent.");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await nats.PublishAsync(TopicSubjects.For(message.Topic), message, serializer: Serializer, cancellationToken: deadline.Token);
            await nats.PingAsync(deadline.Token);
        }
        catch (NatsException ex)
        {
            throw new ClusterUnavailableException("The message could not be handed to NATS: " + ex.Message, ex);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnavailableException(
                $"NATS did not confirm the message within {timeout}; it may still be delivered when NATS answers again.", ex);
        }
    }

    /// <summary>The body as a <see cref="ServerMessage"/>; null, with the reason under <c>body</c>, when it is not one.</summary>
    private static async Task<ServerMessage?> ReadAsync(HttpRequest request, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            errors["body"] = ["The body is JSON (Content-Type: application/json): {\"event\": \"...\", \"payload\": {...}}."];
            return null;
        }

        try
        {
            var message = await JsonSerializer.DeserializeAsync(request.Body, MessagesJsonContext.Default.ServerMessage, cancellationToken);
            if (message is null)
            {
                errors["body"] = ["The body is a JSON object: {\"event\": \"...\", \"payload\": {...}}."];
            }

            return message;
        }
        catch (JsonException ex)
        {
            errors["body"] = [$"The body is not a JSON object of the expected shape: {ex.Message}"];
            return null;
        }
    }
}

/// <summary>A message to publish: the event the members' <c>channel.on(event, ...)</c> receives, and its payload.</summary>
public sealed record ServerMessage(string? Event, JsonElement? Payload);

/// <summary>What was handed to NATS for the topic's members.</summary>
public sealed record PublishedMessage(string Topic, string Event);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ServerMessage))]
[JsonSerializable(typeof(PublishedMessage))]
internal sealed partial class MessagesJsonContext : JsonSerializerContext;
