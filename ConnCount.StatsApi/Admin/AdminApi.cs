using System.ComponentModel;
using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.StatsApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnCount.StatsApi.Admin;

/// <summary>
/// The admin endpoints, under <c>/api/admin</c>; each needs an admin key. Drain and resume one node by its id
/// (<c>/api/admin/nodes/{id}/drain</c>: <c>POST</c> drains, <c>DELETE</c> resumes), over NATS to that node alone
/// (<see cref="NodeAdminClient"/>), wherever it runs and whichever replica a proxy would have picked. Disconnect the
/// sockets of a user, a topic or a node (<c>POST /api/admin/disconnect</c>), on every node that holds them
/// (<see cref="ClusterDisconnectClient"/>).
/// </summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin")
            .WithTags("Admin")
            .RequireAuthorization(ApiKeyDefaults.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        admin.MapPost("/disconnect", DisconnectAsync)
            .WithName("Disconnect")
            .WithSummary("Closes the sockets of a user, a topic or a node on every node (close 4001, \"disconnected by admin\"); body: exactly one of {\"user\"}, {\"topic\"}, {\"node\"}.")
            .Accepts<DisconnectBody>("application/json");

        var nodes = admin.MapGroup("/nodes/{id}");
        nodes.MapPost("/drain", DrainAsync)
            .WithName("DrainNodeById")
            .WithSummary("Drain one node: it refuses new sockets (503) and closes its sockets with 1001 so clients reconnect elsewhere.");
        nodes.MapDelete("/drain", ResumeAsync)
            .WithName("ResumeNodeById")
            .WithSummary("Resume a drained node: it accepts sockets again.");
        return admin;
    }

    /// <summary>
    /// Closes the selected sockets and answers what each node closed. A user or topic that no socket holds, on a cluster
    /// whose every node answered, is 404 and closes nothing. A node that did not answer makes the answer <c>partial</c>.
    /// </summary>
    public static async Task<Results<Ok<DisconnectResult>, ValidationProblem, ProblemHttpResult>> DisconnectAsync(
        HttpRequest request, ClusterDisconnectClient disconnect, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var body = await ReadAsync(request, errors, cancellationToken);
        if (body is null || DisconnectSelector.From(body, errors) is not { } selector)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid disconnect");
        }

        // NATS down: ClusterUnavailableException, answered 503 with Retry-After by ClusterUnavailableHandler.
        if (selector.By != "node")
        {
            var done = selector.By == "user"
                ? await disconnect.DisconnectUserAsync(selector.Value)
                : await disconnect.DisconnectTopicAsync(selector.Value);
            // Every node answered and none holds the user or topic: a name the cluster does not know (a typo, an
            // old id), which the caller should hear about rather than read as done.
            return done is { SocketsClosed: 0, Partial: false }
                ? TypedResults.Problem(
                    title: selector.By == "user" ? "Unknown user" : "Unknown topic",
                    detail: $"No socket on any node holds this {selector.By}; nothing was closed.",
                    statusCode: StatusCodes.Status404NotFound)
                : TypedResults.Ok(done);
        }

        var (outcome, result) = await disconnect.DisconnectNodeAsync(selector.Value, cancellationToken);
        return (outcome, result) switch
        {
            (NodeAdminOutcome.Done, { } done) => TypedResults.Ok(done),
            (NodeAdminOutcome.UnknownNode, _) => UnknownNode(selector.Value),
            _ => NoAnswer(selector.Value, "whether its sockets closed is not known. GET /api/stats/nodes shows its sockets"),
        };
    }

    public static Task<Results<Ok<DrainStatus>, ValidationProblem, ProblemHttpResult>> DrainAsync(
        [Description("The node's id, as in /api/stats/nodes.")] string id, NodeAdminClient admin, CancellationToken cancellationToken) =>
        SendAsync(id, admin.DrainAsync, cancellationToken);

    public static Task<Results<Ok<DrainStatus>, ValidationProblem, ProblemHttpResult>> ResumeAsync(
        [Description("The node's id, as in /api/stats/nodes.")] string id, NodeAdminClient admin, CancellationToken cancellationToken) =>
        SendAsync(id, admin.ResumeAsync, cancellationToken);

    private static async Task<Results<Ok<DrainStatus>, ValidationProblem, ProblemHttpResult>> SendAsync(
        string id, Func<string, CancellationToken, Task<NodeAdminReply>> send, CancellationToken cancellationToken)
    {
        // The id becomes a subject token: '.', '*', '>' or whitespace would address other nodes, or several.
        if (!NodeIds.IsSubjectToken(id))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]>
                {
                    ["id"] = [$"A node id is 1 to {NodeIds.MaxLength} characters without '.', '*', '>', whitespace or control characters."],
                },
                title: "Invalid node id");
        }

        // NATS down: ClusterUnavailableException, answered 503 with Retry-After by ClusterUnavailableHandler.
        var reply = await send(id, cancellationToken);
        return reply switch
        {
            { Outcome: NodeAdminOutcome.Done, Status: { } status } => TypedResults.Ok(status),
            { Outcome: NodeAdminOutcome.UnknownNode } => UnknownNode(id),
            _ => NoAnswer(id, "whether it changed is not known. GET /api/stats/nodes shows whether it drains"),
        };
    }

    private static ProblemHttpResult UnknownNode(string id) => TypedResults.Problem(
        title: "Unknown node",
        detail: $"No node '{id}' is connected to the cluster; GET /api/stats/nodes lists the nodes.",
        statusCode: StatusCodes.Status404NotFound);

    private static ProblemHttpResult NoAnswer(string id, string consequence) => TypedResults.Problem(
        title: "Node did not answer",
        detail: $"Node '{id}' did not answer in time; {consequence}.",
        statusCode: StatusCodes.Status504GatewayTimeout);

    /// <summary>The body as a <see cref="DisconnectBody"/>; null, with the reason under <c>body</c>, when it is not one.</summary>
    private static async Task<DisconnectBody?> ReadAsync(HttpRequest request, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        const string Shape = "{\"user\": \"alice\"}, {\"topic\": \"room:1\"} or {\"node\": \"<id>\"}";
        if (!request.HasJsonContentType())
        {
            errors["body"] = [$"The body is JSON (Content-Type: application/json): {Shape}."];
            return null;
        }

        try
        {
            var body = await JsonSerializer.DeserializeAsync(request.Body, AdminJsonContext.Default.DisconnectBody, cancellationToken);
            if (body is null)
            {
                errors["body"] = [$"The body is a JSON object: {Shape}."];
            }

            return body;
        }
        catch (JsonException ex)
        {
            errors["body"] = [$"The body is not one of {Shape} (each value a string, no other member): {ex.Message}"];
            return null;
        }
    }
}
