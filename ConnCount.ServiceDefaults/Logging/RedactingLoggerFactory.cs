using Microsoft.Extensions.Logging;

namespace ConnCount.ServiceDefaults.Logging;

/// <summary>
/// Wraps the application's <see cref="ILoggerFactory"/> so that every logger it hands out masks secrets
/// (<see cref="SecretRedactor"/>) before any provider sees the entry: console, OTLP and whatever is added later
/// get the same redacted state, message, exception and scopes. Hosting's "Request starting GET /?key=...",
/// Kestrel's rejected request lines and a redirect result's target all pass through here.
/// </summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
            state is IEnumerable<KeyValuePair<string, object?>> fields && RedactedLogState.RedactFields(fields) is { } redacted
                ? inner.BeginScope(new RedactedLogState(redacted, SecretRedactor.Redact(state.ToString() ?? "")))
                : state is string text && !ReferenceEquals(SecretRedactor.Redact(text), text)
                    ? inner.BeginScope(SecretRedactor.Redact(text))
                    : inner.BeginScope(state);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var safeException = RedactedException.Redact(exception);
            IReadOnlyList<KeyValuePair<string, object?>>? fields = null;
            if (state is IReadOnlyList<KeyValuePair<string, object?>> structured)
            {
                // The message is made of the fields; when none holds a secret, neither does the message.
                fields = RedactedLogState.RedactFields(structured);
                if (fields is null && ReferenceEquals(safeException, exception))
                {
                    inner.Log(logLevel, eventId, state, exception, formatter);
                    return;
                }

                fields ??= structured;
            }

            var message = formatter(state, exception);
            var safeMessage = SecretRedactor.Redact(message);
            if (fields is null && ReferenceEquals(safeMessage, message) && ReferenceEquals(safeException, exception))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, new RedactedLogState(fields ?? [], safeMessage), safeException, static (s, _) => s.Message);
        }
    }
}
