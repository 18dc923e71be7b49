namespace ConnCount.StatsApi.Stats;

/// <summary>
/// Refuses a query that gives a parameter more than once (<c>?prefix=a&amp;prefix=b</c>) with a 400 problem:
/// binding would join the values with commas and filter on a name nobody asked for.
/// </summary>
public sealed class SingleQueryValuesFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var (name, values) in context.HttpContext.Request.Query)
        {
            if (values.Count > 1)
            {
                (errors ??= [])[name] = [$"{name} is given {values.Count} times; give it once."];
            }
        }

        return errors is null
            ? next(context)
            : ValueTask.FromResult<object?>(TypedResults.ValidationProblem(errors, title: "Invalid query"));
    }
}
