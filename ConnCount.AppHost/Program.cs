// Local endpoints (see the README): sockets at ws://localhost:4000/socket/websocket, spread by
// Aspire's proxy over the three socket nodes; stats at http://localhost:4080/api/stats.
var builder = DistributedApplication.CreateBuilder(args)
    .WithRandomLocalPortsWhenAsked();

// No nats-server and no container runtime: say in one line what to install, not a stack trace.
if (!builder.CanRunNatsServer(out var missing))
{
    Console.Error.WriteLine(missing);
    return 1;
}

// Generated once and kept in the AppHost's user secrets, so it survives restarts; the dashboard shows it.
var statsApiKey = builder.AddParameter("statsapi-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// Signs join tokens for protected topics; an application's backend issues tokens with the same key.
var joinSigningKey = builder.AddParameter("join-signing-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

// Lets the dashboard's Drain and Resume commands, and an operator, call a node's /admin/drain from off the node.
var nodeAdminKey = builder.AddParameter("node-admin-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// The StatsApi's admin scope: drain and resume a node by its id (/api/admin/nodes/{id}/drain). Read keys cannot.
var statsApiAdminKey = builder.AddParameter("statsapi-admin-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// One NATS server; with ConnCount:Nats:Servers=3 a cluster of three, the socket nodes spread over them.
// JetStream is on and keeps the usage records in .data/nats/ (ConnCount:Nats:DataPath), or a volume in a container.
var nats = builder.AddNats("nats");

// The one message rule of the runnable example, given to the nodes and the StatsApi alike; its topics track presence.
const string MessageTopicsVariable = "ConnCount__Messages__Topics__0__Pattern";
const string MessagePresenceVariable = "ConnCount__Messages__Topics__0__Presence";

var socketNode = builder.AddProject<Projects.ConnCount_SocketNode>("socketnode")
    .WithNats(nats)
    .WithReplicas(3)
    // One protected pattern as an example: ordinary topics stay open, "private:*" needs a join token.
    .WithEnvironment("ConnCount__Auth__ProtectedTopics__0", "private:*")
    .WithEnvironment("ConnCount__Auth__SigningKey", joinSigningKey)
    // The runnable example of messages and Presence: members of "room:*" topics push to each other and see who is
    // there, across the replicas.
    .WithEnvironment(MessageTopicsVariable, "room:*")
    .WithEnvironment(MessagePresenceVariable, "true")
    .WithDrainCommands(nodeAdminKey)
    // Locally every client comes through Aspire's proxy on loopback; it must not count as one client.
    .WithLocalProxyTrusted()
    // Clients connect from outside a deployment; the stats API stays internal unless chosen otherwise (docs/deploy.md).
    .WithExternalHttpEndpoints()
    .WithLocalHttpPort(4000)
    // Port 4000 reaches any replica: the dashboard also lists each replica's own address, and health probes each
    // replica's own /health, so a draining replica turns socketnode Degraded (the description names it).
    .WithReplicaUrls()
    .WithReplicaHealthCheck("/health")
    // On Ctrl+C the nodes stop first, while NATS still carries their goodbyes.
    .StopsBeforeNats();

// StatsApi asks whichever nodes answer over NATS, so it does not wait for socketNode: with no
// nodes up it reports an empty cluster, and either side can restart alone.
builder.AddProject<Projects.ConnCount_StatsApi>("statsapi")
    .WithNats(nats)
    .WithEnvironment("ConnCount__Api__Key", statsApiKey)
    .WithEnvironment("ConnCount__Api__AdminKey", statsApiAdminKey)
    // Server publish (POST /api/topics/{topic}/messages, with the admin key) knows the nodes' message rules.
    .WithEnvironment(MessageTopicsVariable, "room:*")
    // Socket completions run on the event thread, and (appsettings.json) the request on it too: a stats request
    // then starts without waiting for a pool thread. The nodes keep the defaults (README, ConnCount:Sockets).
    .WithEnvironment("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1")
    .WithLocalHttpPort(4080)
    .WithHttpHealthCheck("/health")
    .StopsBeforeNats();

builder.Build().Run();
return 0;
