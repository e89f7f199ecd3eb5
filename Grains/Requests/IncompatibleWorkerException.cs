using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Grains.Requests;

/// <summary>
/// A worker does not serve what the others serve (model, block size or tokenizer). Mixing them would
/// route prompts to the wrong model or break prefix hashing silently, so the worker is refused loudly.
/// </summary>
public sealed class IncompatibleWorkerException : InvalidOperationException
{
    public IncompatibleWorkerException(WorkerId worker, string what, string expected, string actual)
        : base($"worker {worker} is refused: its {what} is '{actual}' but the workers already registered have '{expected}'")
    {
        Worker = worker;
        What = what;
    }

    public WorkerId Worker { get; }

    /// <summary>Which property differs: model, block size, tokenizer digest.</summary>
    public string What { get; }
}
