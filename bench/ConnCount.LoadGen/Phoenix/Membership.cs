namespace ConnCount.LoadGen.Phoenix;

/// <summary>A topic this socket has joined, under the join ref the server acknowledged.</summary>
internal readonly record struct Membership(int Topic, long JoinRef);
