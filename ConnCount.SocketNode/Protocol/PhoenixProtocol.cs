using System.Text.Json;
using ConnCount.Cluster.Messaging;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Sockets;

namespace ConnCount.SocketNode.Protocol;

/// <summary>
/// Phoenix Channels v2 for every socket of the node: routes each frame a <see cref="PhoenixConnection"/> received
/// (heartbeat, join, leave, channel events) and answers it; a join is decided by <see cref="JoinPolicy"/> and begun by
/// the <see cref="MembershipPipeline"/>, and every membership a socket holds when it closes is ended there, once.
/// Knows nothing of WebSockets: frames in, frames out.
/// </summary>
public sealed class PhoenixProtocol(
    JoinPolicy policy,
    MembershipPipeline memberships,
    ChannelEventHandler events,
    Messaging.TopicMessaging messaging,
    SessionTracker sessions,
    OpenSockets sockets,
    Microsoft.Extensions.Options.IOptions<SocketNodeOptions> options,
    ILogger<PhoenixProtocol> logger)
{
    /// <summary>The largest message a socket may send; a bigger one closes the socket (1009).</summary>
    internal int MaxFrameBytes { get; } = options.Value.MaxFrameBytes;

    internal ILogger Logger => logger;

    /// <summary>A socket (whose slot <see cref="UpgradeGate"/> reserved) is open and may be sent frames.</summary>
    public void Opened(PhoenixConnection connection) => sessions.Add(connection);

    /// <summary>
    /// A socket is gone (closed, failed, aborted or never accepted): ends every membership it held and releases its
    /// slot. Called once per socket, after its last frame.
    /// </summary>
    public void Closed(PhoenixConnection connection)
    {
        while (connection.Memberships.TryTakeAny(out var topic, out var membership))
        {
            memberships.End(topic, membership, connection);
        }

        sessions.Remove(connection);
        sockets.Closed();
    }

    /// <summary>Handles one text frame; frames of one socket are handed over one at a time.</summary>
    public async Task HandleAsync(PhoenixConnection connection, ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken)
    {
        if (!PhoenixFrameParser.TryParse(utf8, out var frame, out var error))
        {
            if (frame.Ref is not null && frame.Topic is { Length: > 0 })
            {
                await SendErrorAsync(connection, frame, error!, cancellationToken);
            }
            else
            {
                // Nothing to correlate the answer with: tell the socket as a whole.
                var scratch = PhoenixConnection.Scratch();
                PhoenixFrameWriter.WritePush(scratch, null, PhoenixEvents.SocketTopic, PhoenixEvents.Error, p =>
                {
                    p.WriteStartObject();
                    p.WriteString("reason"u8, error);
                    p.WriteEndObject();
                });
                await connection.SendAsync(scratch, cancellationToken);
            }

            return;
        }

        switch (frame.Event)
        {
            case PhoenixEvents.Heartbeat when frame.Topic == PhoenixEvents.SocketTopic:
                await SendOkAsync(connection, frame, null, cancellationToken);
                break;
            case PhoenixEvents.Join:
                await JoinAsync(connection, frame, cancellationToken);
                break;
            case PhoenixEvents.Leave:
                await LeaveAsync(connection, frame, cancellationToken);
                break;
            default:
                if (!connection.Memberships.Contains(frame.Topic))
                {
                    await SendErrorAsync(connection, frame, ReplyReasons.UnmatchedTopic, cancellationToken);
                    break;
                }

                if (!ChannelEventHandler.Answers(frame.Event))
                {
                    await PushAsync(connection, frame, cancellationToken);
                    break;
                }

                var reply = await events.HandleAsync(frame.Event, connection.ReadAccess, cancellationToken);
                await (reply.Ok
                    ? SendOkAsync(connection, frame, reply.Response, cancellationToken)
                    : SendErrorAsync(connection, frame, reply.Reason!, cancellationToken));
                break;
        }
    }

    /// <summary>A member's push of any other event: an application message when its topic carries them, else unknown.</summary>
    private async Task PushAsync(PhoenixConnection connection, PhoenixFrame frame, CancellationToken cancellationToken)
    {
        var refusal = messaging.RuleFor(frame.Topic) is not { } rule ? ReplyReasons.UnknownEvent
            : TopicMessageRules.IsReserved(frame.Event) ? ReplyReasons.ReservedEvent
            : connection.Memberships.TryGet(frame.Topic, out var membership) && membership.Grant.ReadOnly ? ReplyReasons.PublishNotAllowed
            : await messaging.PublishAsync(connection, frame, rule, cancellationToken);
        await (refusal is null
            ? SendOkAsync(connection, frame, null, cancellationToken)
            : SendErrorAsync(connection, frame, refusal, cancellationToken));
    }

    private async Task JoinAsync(PhoenixConnection connection, PhoenixFrame frame, CancellationToken cancellationToken)
    {
        var rejoin = connection.Memberships.TryGet(frame.Topic, out var old);
        var decision = await policy.DecideAsync(connection, frame, rejoin);
        if (decision.Refusal is { } refusal)
        {
            memberships.Refused(refusal);
            await SendErrorAsync(connection, frame, refusal, cancellationToken);
            return;
        }

        if (rejoin)
        {
            // A rejoin replaces the old channel without counting twice: close the old join ref, keep the
            // membership (and the tenant it was admitted for).
            var replaced = old with { JoinRef = JoinRefs.Share(frame.JoinRef!) };
            connection.Memberships.Replace(frame.Topic, replaced);
            await SendCloseAsync(connection, old.JoinRef, frame.Topic, cancellationToken);
            await SendOkAsync(connection, frame, null, cancellationToken);
            memberships.Started(frame.Topic, replaced, connection);
            return;
        }

        if (memberships.TryBegin(frame.Topic, JoinRefs.Share(frame.JoinRef!), decision.Grant, out var membership) is { } full)
        {
            await SendErrorAsync(connection, frame, full, cancellationToken);
            return;
        }

        // The entry's name, not the frame's: every member of a topic then holds one string, not one each.
        connection.Memberships.Add(membership.Counted.Topic ?? frame.Topic, membership);
        await memberships.ReadyAsync(frame.Topic, connection);
        await SendOkAsync(connection, frame, null, cancellationToken);
        // After the reply: the client drops pushes for a channel whose join it has not seen accepted.
        memberships.Started(frame.Topic, membership, connection);
    }

    private async Task LeaveAsync(PhoenixConnection connection, PhoenixFrame frame, CancellationToken cancellationToken)
    {
        if (!connection.Memberships.Remove(frame.Topic, out var membership))
        {
            await SendErrorAsync(connection, frame, ReplyReasons.UnmatchedTopic, cancellationToken);
            return;
        }

        memberships.End(frame.Topic, membership, connection);
        await SendOkAsync(connection, frame, null, cancellationToken);
        await SendCloseAsync(connection, membership.JoinRef, frame.Topic, cancellationToken);
    }

    private static Task SendOkAsync(PhoenixConnection connection, PhoenixFrame frame, Action<Utf8JsonWriter>? response, CancellationToken cancellationToken)
    {
        var scratch = PhoenixConnection.Scratch();
        PhoenixFrameWriter.WriteReply(scratch, frame.JoinRef, frame.Ref, frame.Topic, "ok", response);
        return connection.SendAsync(scratch, cancellationToken);
    }

    private static Task SendErrorAsync(PhoenixConnection connection, PhoenixFrame frame, string reason, CancellationToken cancellationToken)
    {
        var scratch = PhoenixConnection.Scratch();
        PhoenixFrameWriter.WriteErrorReply(scratch, frame.JoinRef, frame.Ref, frame.Topic, reason);
        return connection.SendAsync(scratch, cancellationToken);
    }

    /// <summary>Sends <c>phx_close</c> for a channel that ended (leave) or was replaced (rejoin).</summary>
    private static Task SendCloseAsync(PhoenixConnection connection, string joinRef, string topic, CancellationToken cancellationToken)
    {
        var scratch = PhoenixConnection.Scratch();
        PhoenixFrameWriter.WriteClose(scratch, joinRef, topic);
        return connection.SendAsync(scratch, cancellationToken);
    }
}
