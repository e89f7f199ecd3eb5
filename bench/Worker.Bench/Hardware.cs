using System.Runtime.InteropServices;

namespace DynamoOrleans.Worker.Bench;

/// <summary>The machine a figure came from.</summary>
public static class Hardware
{
    public static string Describe()
    {
        var cpu = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    cpu = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    break;
                }
        }
        catch (IOException)
        {
        }
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
