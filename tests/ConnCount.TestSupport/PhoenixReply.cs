using System.Text.Json;

namespace ConnCount.TestSupport;

/// <summary>A <c>phx_reply</c>: its status (<c>ok</c> or <c>error</c>) and its <c>response</c> object.</summary>
public sealed record PhoenixReply(string Status, JsonElement Response)
{
    public bool IsOk => Status == "ok";

    /// <summary>The reason an error reply gives (<c>{"reason": ...}</c>), or <see langword="null"/> for an ok reply.</summary>
    public string? Reason => IsOk ? null : Response.GetProperty("reason").GetString();

    /// <summary>Reads the response as <typeparamref name="T"/>, snake_case like the wire.</summary>
    public T As<T>() => Response.Deserialize<T>(WireJson.Options)
        ?? throw new InvalidOperationException($"The reply's response is not a {typeof(T).Name}: {Response}");
}
