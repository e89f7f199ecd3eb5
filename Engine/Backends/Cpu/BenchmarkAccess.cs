using System.Runtime.CompilerServices;

// The kernel benchmarks time LinearJob and CpuWeight directly, without a model around them.
[assembly: InternalsVisibleTo("DynamoOrleans.Engine.Bench")]
