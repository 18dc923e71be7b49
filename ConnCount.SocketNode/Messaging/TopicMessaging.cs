using System.Buffers;
using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Messaging;
using ConnCount.SocketNode.Node;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;
using NATS.Client.Core;

namespace ConnCount.SocketNode.Messaging;

/// <summary>
/// Application messages on topics: the rule that applies to a topic (<see cref="TopicMessageRules"/>) and a member's push, checked and handed to NATS for every member on every node
/// (<see cref="TopicFanout"/> delivers them).
/// </summary>
public sealed class TopicMessaging(TopicMessageRules rules, INatsConnection nats, NodeIdentity identity, ILogger<TopicMessaging> logger)
{
    /// <summary>Whether any topic carries messages.</summary>
    public bool Enabled => rules.Enabled;

    /// <summary>The rule for <paramref name="topic"/>, or null when it carries no messages.</summary>
    public MessageTopicRule? RuleFor(string topic) => rules.RuleFor(topic);

    /// <summary>
    /// A member's push of an application event: checked against <paramref name="rule"/> and the socket's rate, then
    /// published. Returns the refusal reason, or null once NATS has the message.
    /// </summary>
    public async ValueTask<string?> PublishAsync(PhoenixConnection from, PhoenixFrame frame, MessageTopicRule rule, CancellationToken cancellationToken)
    {
        if (!rule.ClientPublish)
        {
            return ReplyReasons.ClientMessagesNotAllowed;
        }

        if (frame.Payload.Length > rule.MaxPayloadBytes)
        {
            return ReplyReasons.PayloadTooLarge;
        }

        var sender = from.Sender ??= new SenderState();
        if (!sender.Rate.TryTake(rule.MessagesPerSecondPerSocket, Environment.TickCount64))
        {
            return ReplyReasons.MessageRateExceeded;
        }

        try
        {
            await nats.PublishAsync(TopicSubjects.For(frame.Topic), Encode(frame, rule.EchoToSender ? 0 : sender.Id), cancellationToken: cancellationToken);
            return null;
        }
        catch (NatsException ex)
        {
            logger.LogWarning("A message on a topic could not be published: {Reason}", ex.Message);
            return ReplyReasons.ClusterUnavailable;
        }
    }

    /// <summary>The wire form of a <see cref="TopicMessage"/>, the payload copied as it came (the parser checked it is an object).</summary>
    private byte[] Encode(PhoenixFrame frame, long originSocket)
    {
        var buffer = new ArrayBufferWriter<byte>(frame.Payload.Length + frame.Topic.Length + frame.Event.Length + 96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("topic"u8, frame.Topic);
            writer.WriteString("event"u8, frame.Event);
            writer.WritePropertyName("payload"u8);
            writer.WriteRawValue(frame.Payload.Span, skipInputValidation: true);
            writer.WriteString("origin_node"u8, identity.Id);
            writer.WriteNumber("origin_socket"u8, originSocket);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
