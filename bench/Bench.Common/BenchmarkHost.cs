using System.Reflection;

namespace DynamoOrleans.Bench;

/// <summary>
/// The shared <c>Main</c> of the benchmark projects: finds the <see cref="IBenchmark"/> classes of an
/// assembly, runs the one named on the command line, and prints the hardware and the rerun command first.
/// </summary>
public static class BenchmarkHost
{
    /// <param name="project">The project folder as users type it, e.g. <c>bench/Engine.Bench</c>.</param>
    public static async Task<int> RunAsync(string[] args, Assembly assembly, string project)
    {
        var benchmarks = assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IBenchmark).IsAssignableFrom(t))
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();

        var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
        if (chosen is null)
        {
            Console.WriteLine($"usage: dotnet run -c Release --project {project} -- NAME [ARGS]");
            foreach (var b in benchmarks)
                Console.WriteLine($"  {b.Name,-20} {b.Description}");
            return args.Length == 0 ? 0 : 2;
        }

        Console.WriteLine($"# {chosen.Name}: {chosen.Description}");
        Console.WriteLine($"# hardware: {Hardware.Describe()}");
        Console.WriteLine($"# rerun: dotnet run -c Release --project {project} -- {string.Join(' ', args)}");
        await chosen.RunAsync(args[1..], Console.Out);
        return 0;
    }
}
