namespace ConnCount.ServiceDefaults.Logging;

/// <summary>
/// A log entry's state with its secrets masked: the same fields (so structured exporters such as OTLP still get
/// them), each string value redacted, and the formatted message redacted once for every provider.
/// </summary>
internal sealed class RedactedLogState(IReadOnlyList<KeyValuePair<string, object?>> fields, string message)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    public KeyValuePair<string, object?> this[int index] => fields[index];

    public int Count => fields.Count;

    public string Message => message;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => fields.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => message;

    /// <summary>The fields with secrets masked, or null when none held one.</summary>
    public static List<KeyValuePair<string, object?>>? RedactFields(IEnumerable<KeyValuePair<string, object?>> fields)
    {
        List<KeyValuePair<string, object?>>? copy = null;
        var index = 0;
        foreach (var field in fields)
        {
            var value = RedactValue(field.Key, field.Value);
            if (copy is null && !ReferenceEquals(value, field.Value))
            {
                copy = [.. fields.Take(index)];
            }

            copy?.Add(new(field.Key, value));
            index++;
        }

        return copy;
    }

    private static object? RedactValue(string name, object? value)
    {
        if (value is null)
        {
            return null;
        }

        if (SecretRedactor.IsSecretName(name))
        {
            return SecretRedactor.Mask;
        }

        // Primitive values (counts, durations, status codes) cannot carry a secret; anything else is looked at as
        // text: a Uri, a PathString, a QueryString or a string.
        if (value is string or Uri || (!value.GetType().IsPrimitive && value is not (decimal or DateTime or DateTimeOffset or TimeSpan or Guid or Enum)))
        {
            var text = value as string ?? value.ToString() ?? "";
            var redacted = SecretRedactor.Redact(text);
            return ReferenceEquals(redacted, text) ? value : redacted;
        }

        return value;
    }
}
