using ConnCount.ServiceDefaults.Nats;
using ConnCount.StatsApi;
using ConnCount.StatsApi.Admin;
using ConnCount.StatsApi.Live;
using ConnCount.StatsApi.Messages;
using ConnCount.StatsApi.Stats;
using Scalar.AspNetCore;

// Settings (appsettings.json) come from the application's own folder, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddServiceDefaults();
builder.AddConnCountNats("nats");
builder.AddStatsApi();

var app = builder.Build();

app.UseDotSegmentRefusal();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseLivePage();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapScalarApiReference(o => o.WithTitle("ConnCount Stats API"));
app.MapDefaultEndpoints();
app.MapStatsApi();
app.MapAdminApi();
app.MapMessagesApi();

app.Run();

/// <summary>Entry point, visible to tests that host the API in-process.</summary>
public partial class Program;
