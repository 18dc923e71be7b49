namespace ConnCount.LoadGen.Phoenix;

/// <summary>What a pending reply answers.</summary>
internal enum ReplyKind
{
    Join,
    Leave,
    Push,
}
