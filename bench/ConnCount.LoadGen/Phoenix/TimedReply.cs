namespace ConnCount.LoadGen.Phoenix;

/// <summary>A reply's outcome with <see cref="System.Diagnostics.Stopwatch"/> timestamps of the send and of the reply (0 when none came).</summary>
internal readonly record struct TimedReply(ReplyOutcome Outcome, long SentTimestamp, long ReplyTimestamp);
