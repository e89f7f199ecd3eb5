namespace DynamoOrleans.Routing.Index;

/// <summary>What <see cref="KvIndex.Apply"/> did with one worker's event.</summary>
public enum KvApplyStatus
{
    /// <summary>The event was the next one (id = last + 1) and is in the index.</summary>
    Applied,

    /// <summary>
    /// Events between the last one seen and this one are missing. This event is applied anyway (the
    /// index is a routing hint, and a newer fact beats none), but the caller must re-read the worker's
    /// whole index and hand it to <see cref="KvIndex.ReplaceWorker"/>.
    /// </summary>
    Gap,

    /// <summary>An id at or below the last one seen: a duplicate or a late redelivery, ignored.</summary>
    Stale,
}

/// <summary>The outcome of applying an event; on a gap, <see cref="ExpectedEventId"/> is the id that should have come.</summary>
public readonly record struct KvApplyResult(KvApplyStatus Status, long ExpectedEventId, long ReceivedEventId)
{
    public bool IsGap => Status == KvApplyStatus.Gap;
}
