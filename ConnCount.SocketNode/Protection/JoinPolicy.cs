using System.Text.Json;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Protection;

/// <summary>A join's verdict before the cluster limits: the refusal reason, or what the join is admitted for.</summary>
public readonly record struct JoinDecision(string? Refusal, JoinGrant Grant);

/// <summary>
/// Decides a join as far as the socket and its token go: the frame's and the socket's own limits
/// (<see cref="JoinAdmission.CheckRequest"/>), then the token (<see cref="JoinAuthorizer"/>, and for a <c>stats:*</c>
/// topic <see cref="StatsVisibility.MayWatch"/>). The cluster-wide limits come last, in the
/// <see cref="Memberships.MembershipPipeline"/>, because admitting takes budget.
/// </summary>
public sealed class JoinPolicy(
    JoinAuthorizer authorizer,
    StatsVisibility visibility,
    IOptions<SocketNodeOptions> options,
    IOptions<RateLimitOptions> rates)
{
    private readonly JoinAdmission _admission = new(options.Value.MaxTopicLength, options.Value.MaxChannelsPerSocket, rates.Value.JoinsPerSecondPerSocket);

    /// <summary>Decides the join in <paramref name="frame"/> for <paramref name="connection"/>.</summary>
    /// <param name="rejoin">The socket has joined the topic already.</param>
    internal async ValueTask<JoinDecision> DecideAsync(PhoenixConnection connection, PhoenixFrame frame, bool rejoin)
    {
        var request = new JoinRequest(frame.JoinRef, frame.Topic, rejoin, connection.Memberships.Count);
        if (_admission.CheckRequest(request, ref connection.JoinRate, Environment.TickCount64) is { } refusal)
        {
            return new JoinDecision(refusal, JoinGrant.Anonymous);
        }

        var token = await JoinTokenAsync(connection, ReadToken(frame.Payload));
        var grant = authorizer.Authorize(frame.Topic, token);
        var watchAllowed = !StatsWatchHub.IsStatsTopic(frame.Topic) || visibility.MayWatch(frame.Topic, connection.ReadAccess);
        return new JoinDecision(JoinAdmission.CheckAccess(grant, watchAllowed), grant ?? JoinGrant.Anonymous);
    }

    /// <summary>
    /// The access of the token a join presents: its own <c>token</c> param, else the socket's <c>authToken</c>
    /// (checked once, on the first join). A valid token is remembered for what the socket may see.
    /// </summary>
    private async ValueTask<TokenAccess?> JoinTokenAsync(PhoenixConnection connection, string? joinToken)
    {
        if (!connection.SocketTokenChecked)
        {
            connection.SocketTokenChecked = true;
            connection.SocketTokenAccess = await ValidateAndRememberAsync(connection, connection.SocketToken);
        }

        var token = joinToken is null ? connection.SocketTokenAccess : await ValidateAndRememberAsync(connection, joinToken);
        return token?.IsValidAt(DateTime.UtcNow) == true ? token : null;
    }

    private async ValueTask<TokenAccess?> ValidateAndRememberAsync(PhoenixConnection connection, string? token)
    {
        var access = await authorizer.ValidateAsync(token);
        if (access is not null)
        {
            connection.Remember(access);
        }

        return access;
    }

    /// <summary>The join payload's <c>token</c> string, if any.</summary>
    private static string? ReadToken(ReadOnlyMemory<byte> payload)
    {
        var reader = new Utf8JsonReader(payload.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isToken = reader.ValueTextEquals("token"u8);
            reader.Read();
            if (isToken && reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }

            reader.Skip();
        }

        return null;
    }
}
