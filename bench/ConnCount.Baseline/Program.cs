using ConnCount.Baseline;

// A bare Kestrel WebSocket server: no counting, minimal logging, no protocol beyond a fixed reply to every frame
// on /answer/websocket. Options come from the command line: --urls, --receive-buffer BYTES,
// --keep-alive-seconds S, --report-interval-seconds S.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
    json.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJsonContext.Default);
});
builder.Services.AddSingleton<SocketGauge>();
builder.Services.AddSingleton<IdleMemory>();
builder.Services.AddHostedService<MemoryReporter>();

var app = builder.Build();
app.UseWebSockets();
app.MapBaselineEndpoints();
app.Lifetime.ApplicationStarted.Register(() => Console.Out.WriteLine($"baseline: listening on {string.Join(", ", app.Urls)}"));
app.Run();
