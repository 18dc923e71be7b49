using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>Marks a resource that <see cref="OrderedShutdown"/> stops before the orchestrator stops everything else.</summary>
internal sealed class StopFirstAnnotation : IResourceAnnotation;
