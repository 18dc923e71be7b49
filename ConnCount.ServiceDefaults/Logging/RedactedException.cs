namespace ConnCount.ServiceDefaults.Logging;

/// <summary>
/// Stands in for a logged exception whose text held a secret (Kestrel puts a rejected request line, query and
/// all, into its exception's message): the original type's name, the message and the stack trace, redacted.
/// </summary>
public sealed class RedactedException : Exception
{
    private readonly string _text;

    internal RedactedException(Exception original, string message, string text)
        : base(message)
    {
        OriginalType = original.GetType().FullName ?? original.GetType().Name;
        _text = text;
        HResult = original.HResult;
    }

    /// <summary>The full name of the exception that was logged.</summary>
    public string OriginalType { get; }

    public override string? StackTrace => null;

    public override string ToString() => _text;

    /// <summary>The exception, or a redacted stand-in when its text holds a secret.</summary>
    public static Exception? Redact(Exception? exception)
    {
        if (exception is null)
        {
            return null;
        }

        var text = exception.ToString();
        var redacted = SecretRedactor.Redact(text);
        return ReferenceEquals(redacted, text)
            ? exception
            : new RedactedException(exception, SecretRedactor.Redact(exception.Message), redacted);
    }
}
