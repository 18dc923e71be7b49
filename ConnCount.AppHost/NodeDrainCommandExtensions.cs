using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>
/// The dashboard's <c>Drain</c> and <c>Resume</c> commands on each socket-node replica, which call the node's
/// <c>POST /admin/drain</c> and <c>DELETE /admin/drain</c> with its admin key.
/// </summary>
public static class NodeDrainCommandExtensions
{
    /// <summary>The command that drains one replica.</summary>
    internal const string DrainCommandName = "drain";

    /// <summary>The command that makes a drained replica accept sockets again.</summary>
    internal const string ResumeCommandName = "resume";

    /// <summary>The node's admin key setting (<c>ConnCount:Node:AdminKey</c>) as an environment variable.</summary>
    private const string AdminKeyVariable = "ConnCount__Node__AdminKey";

    private const string AdminKeyHeader = "X-Admin-Key";
    private const string DrainPath = "/admin/drain";

    /// <summary>
    /// Gives the node <paramref name="adminKey"/> as <c>ConnCount:Node:AdminKey</c> and adds the <c>Drain</c> and
    /// <c>Resume</c> commands, which send it in <c>X-Admin-Key</c> to the replica they are run on.
    /// </summary>
    /// <remarks>
    /// Aspire's <c>WithHttpCommand</c> would send to the resource's endpoint, which with replicas is Aspire's
    /// round-robin proxy, and so drain whichever replica the proxy picks. These commands find the port of the
    /// very replica they run on instead (<see cref="ReplicaAddress"/>). They call the node directly rather than the
    /// StatsApi's drain by id, so they still work while NATS or the StatsApi is down; both paths answer the same
    /// <c>{"node","draining","sockets_closed"}</c>.
    /// </remarks>
    /// <param name="builder">The socket node's resource builder.</param>
    /// <param name="adminKey">The secret the node requires for admin calls from off the node.</param>
    public static IResourceBuilder<ProjectResource> WithDrainCommands(this IResourceBuilder<ProjectResource> builder, IResourceBuilder<ParameterResource> adminKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(adminKey);

        builder.ApplicationBuilder.Services.AddHttpClient();

        return builder
            .WithEnvironment(AdminKeyVariable, adminKey)
            .WithCommand(DrainCommandName, "Drain", context => SendAsync(context, HttpMethod.Post, adminKey.Resource), new CommandOptions
            {
                Description = "Stop accepting sockets and close this replica's sockets with 1001, so clients reconnect to another replica.",
                ConfirmationMessage = "Close every socket on this replica and refuse new ones until Resume?",
                IconName = "ArrowExit",
                UpdateState = EnabledWhileRunning,
            })
            .WithCommand(ResumeCommandName, "Resume", context => SendAsync(context, HttpMethod.Delete, adminKey.Resource), new CommandOptions
            {
                Description = "Accept sockets again on a drained replica.",
                IconName = "ArrowEnter",
                UpdateState = EnabledWhileRunning,
            });
    }

    private static ResourceCommandState EnabledWhileRunning(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;

    private static async Task<ExecuteCommandResult> SendAsync(ExecuteCommandContext context, HttpMethod method, ParameterResource adminKey)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var replica) || ReplicaAddress.Of(replica.Snapshot) is not { } baseUri)
        {
            return CommandResults.Failure($"The HTTP address of '{context.ResourceName}' is not known yet.");
        }

        using var request = new HttpRequestMessage(method, new Uri(baseUri, DrainPath));
        request.Headers.Add(AdminKeyHeader, await adminKey.GetValueAsync(context.CancellationToken).ConfigureAwait(false));

        var http = context.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        try
        {
            using var response = await http.SendAsync(request, context.CancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? CommandResults.Success($"{method} {DrainPath}: {(int)response.StatusCode}", body, CommandResultFormat.Json)
                : CommandResults.Failure($"{method} {DrainPath} answered {(int)response.StatusCode}: {body}");
        }
        catch (HttpRequestException ex)
        {
            return CommandResults.Failure(ex);
        }
    }
}
