namespace DynamoOrleans.Engine.Scheduling;

public enum SequenceStatus
{
    /// <summary>Queued, or preempted and queued again; holds no blocks.</summary>
    Waiting,

    /// <summary>Holds blocks and is scheduled step by step (prefill chunks, then decodes).</summary>
    Running,

    /// <summary>Done (stopped, length, cancelled or failed); holds no blocks.</summary>
    Finished,
}
