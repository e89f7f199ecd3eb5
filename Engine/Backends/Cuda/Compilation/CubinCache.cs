namespace DynamoOrleans.Engine.Backends.Cuda.Compilation;

/// <summary>
/// CUBINs on disk, keyed by source hash, architecture and NVRTC version, so that only the first start on a
/// machine pays for compilation. The folder is $DYNAMO_CUBIN_CACHE, else ~/.cache/dynamo-orleans/cubin.
/// A cache that cannot be written is skipped, never fatal.
/// </summary>
public sealed class CubinCache(string directory)
{
    public string Directory { get; } = directory;

    public static CubinCache Default()
    {
        var overridden = Environment.GetEnvironmentVariable("DYNAMO_CUBIN_CACHE");
        if (!string.IsNullOrEmpty(overridden))
            return new CubinCache(overridden);
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return new CubinCache(Path.Combine(root, "dynamo-orleans", "cubin"));
    }

    public static string Key(string sourceHash, string architecture, string nvrtcVersion) =>
        $"{sourceHash}-{architecture}-nvrtc{nvrtcVersion}.cubin";

    public byte[]? TryRead(string key)
    {
        try
        {
            var path = Path.Combine(Directory, key);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void TryWrite(string key, byte[] cubin)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            var path = Path.Combine(Directory, key);
            var temp = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(temp, cubin);
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
