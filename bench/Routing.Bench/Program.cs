using System.Reflection;
using DynamoOrleans.Routing.Bench;

var benchmarks = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IBenchmark).IsAssignableFrom(t))
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

var chosen = args.Length > 0 ? benchmarks.FirstOrDefault(b => b.Name == args[0]) : null;
if (chosen is null)
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/Routing.Bench -- NAME [ARGS]");
    foreach (var b in benchmarks)
        Console.WriteLine($"  {b.Name,-20} {b.Description}");
    return args.Length == 0 ? 0 : 2;
}

Console.WriteLine($"# {chosen.Name}: {chosen.Description}");
Console.WriteLine($"# hardware: {Hardware.Describe()}");
Console.WriteLine($"# rerun: dotnet run -c Release --project bench/Routing.Bench -- {string.Join(' ', args)}");
await chosen.RunAsync(args[1..], Console.Out);
return 0;
