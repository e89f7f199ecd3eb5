using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Grains.Requests;

/// <summary>
/// A worker does not serve what the gateway expects (role, block size, model or tokenizer). Mixing them would
/// route prompts to the wrong model or break prefix hashing silently, so the worker is refused loudly, and the
/// message names where the expected value comes from (the gateway's own flag, or the workers registered first).
/// </summary>
public sealed class IncompatibleWorkerException : InvalidOperationException
{
    /// <param name="expectedFrom">Where <paramref name="expected"/> comes from, e.g. "the gateway's --block-size".</param>
    public IncompatibleWorkerException(WorkerId worker, string what, string actual, string expected, string expectedFrom)
        : base($"worker {worker} is refused: its {what} is '{actual}' but {expectedFrom} is '{expected}'")
    {
        Worker = worker;
        What = what;
        Actual = actual;
        Expected = expected;
    }

    public WorkerId Worker { get; }

    /// <summary>Which property differs: role, block size, model, tokenizer digest.</summary>
    public string What { get; }

    public string Actual { get; }

    public string Expected { get; }
}
