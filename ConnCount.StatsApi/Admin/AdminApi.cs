using System.ComponentModel;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.StatsApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnCount.StatsApi.Admin;

/// <summary>
/// Drain and resume one node by its id, under <c>/api/admin/nodes/{id}/drain</c>: <c>POST</c> drains, <c>DELETE</c>
/// resumes. The request goes over NATS to that node alone (<see cref="NodeAdminClient"/>), wherever it runs and
/// whichever replica a proxy would have picked. Needs an admin key.
/// </summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var nodes = app.MapGroup("/api/admin/nodes/{id}")
            .WithTags("Admin")
            .RequireAuthorization(ApiKeyDefaults.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        nodes.MapPost("/drain", DrainAsync)
            .WithName("DrainNodeById")
            .WithSummary("Drain one node: it refuses new sockets (503) and closes its sockets with 1001 so clients reconnect elsewhere.");
        nodes.MapDelete("/drain", ResumeAsync)
            .WithName("ResumeNodeById")
            .WithSummary("Resume a drained node: it accepts sockets again.");
        return nodes;
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
            { Outcome: NodeAdminOutcome.UnknownNode } => TypedResults.Problem(
                title: "Unknown node",
                detail: $"No node '{id}' is connected to the cluster; GET /api/stats/nodes lists the nodes.",
                statusCode: StatusCodes.Status404NotFound),
            _ => TypedResults.Problem(
                title: "Node did not answer",
                detail: $"Node '{id}' did not answer in time; whether it changed is not known. GET /api/stats/nodes shows whether it drains.",
                statusCode: StatusCodes.Status504GatewayTimeout),
        };
    }
}
