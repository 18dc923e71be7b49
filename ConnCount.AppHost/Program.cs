// Local endpoints (see the README): sockets at ws://localhost:4000/socket/websocket, spread by
// Aspire's proxy over the three socket nodes; stats at http://localhost:4080/api/stats.
var builder = DistributedApplication.CreateBuilder(args);

var nats = builder.AddNatsServer("nats")
    .WithMonitoring();

var socketNode = builder.AddProject<Projects.ConnCount_SocketNode>("socketnode")
    .WithReference(nats)
    .WaitFor(nats)
    .WithReplicas(3)
    .WithLocalHttpPort(4000)
    .WithHttpHealthCheck("/health");

// StatsApi asks whichever nodes answer over NATS, so it does not wait for socketNode: with no
// nodes up it reports an empty cluster, and either side can restart alone.
builder.AddProject<Projects.ConnCount_StatsApi>("statsapi")
    .WithReference(nats)
    .WaitFor(nats)
    .WithLocalHttpPort(4080)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
