using ConnCount.StatsApi;
using ConnCount.StatsApi.Admin;
using ConnCount.StatsApi.Live;
using ConnCount.StatsApi.Stats;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNatsClient("nats");
builder.AddStatsApi();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseLivePage();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapDefaultEndpoints();
app.MapStatsApi();
app.MapAdminApi();

app.Run();

/// <summary>Entry point, visible to tests that host the API in-process.</summary>
public partial class Program;
