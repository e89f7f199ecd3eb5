namespace DynamoOrleans.Bench;

/// <summary>
/// One benchmark. It measures its own baseline in the same run and prints its figures as
/// ratios against it, with the hardware (see <see cref="Hardware"/>) and the command that reruns it.
/// </summary>
public interface IBenchmark
{
    /// <summary>The name given on the command line: <c>dotnet run -c Release --project bench/PROJECT -- NAME</c>.</summary>
    string Name { get; }

    string Description { get; }

    /// <summary>Runs and prints. <paramref name="args"/> are the arguments after the name.</summary>
    Task RunAsync(string[] args, TextWriter output);
}
