using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace ConnCount.StatsApi.Stats;

/// <summary>
/// A 200 with a JSON body that is already UTF-8 bytes, as <see cref="ClusterStatsJson"/> keeps them. Described to
/// OpenAPI as <c>Ok&lt;T&gt;</c> would be: the same status, type and content type.
/// </summary>
public sealed class JsonBytesResult<T>(byte[] json) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>The body.</summary>
    public ReadOnlyMemory<byte> Json => json;

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = json.Length;
        return response.Body.WriteAsync(json, httpContext.RequestAborted).AsTask();
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}
