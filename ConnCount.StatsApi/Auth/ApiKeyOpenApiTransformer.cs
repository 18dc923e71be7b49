using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ConnCount.StatsApi.Auth;

/// <summary>
/// Declares the two ways to send the key in the OpenAPI document, so generated clients and API explorers
/// send it. The document itself stays open: it describes shapes, not counts.
/// </summary>
public sealed class ApiKeyOpenApiTransformer : IOpenApiDocumentTransformer
{
    private const string ApiKeySchemeId = "ApiKey";
    private const string BearerSchemeId = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeySchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyDefaults.HeaderName,
            Description = "A key from ConnCount:Api:Key or ConnCount:Api:Keys.",
        };
        document.Components.SecuritySchemes[BearerSchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The same key, as 'Authorization: Bearer <key>'.",
        };

        // Two requirements: either one satisfies the API.
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeySchemeId, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerSchemeId, document)] = [] },
        ];
        return Task.CompletedTask;
    }
}
