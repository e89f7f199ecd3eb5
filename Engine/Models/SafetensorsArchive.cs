using System.Text.Json;

namespace DynamoOrleans.Engine.Models;

/// <summary>
/// The tensors of a checkpoint: one <c>.safetensors</c> file, or several shards listed by
/// <c>model.safetensors.index.json</c>. Every file is memory-mapped; <see cref="Dispose"/> unmaps them,
/// after which no <see cref="TensorView"/> from this archive may be read.
/// </summary>
public sealed class SafetensorsArchive : IDisposable
{
    public const string IndexFileName = "model.safetensors.index.json";
    public const string SingleFileName = "model.safetensors";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _byName;

    private SafetensorsArchive(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byName)
    {
        _files = files;
        _byName = byName;
    }

    public IEnumerable<string> Names => _byName.Keys;

    public int Count => _byName.Count;

    public IReadOnlyList<string> Files => _files.ConvertAll(f => f.Path);

    /// <summary>
    /// Opens a directory (its index if present, else <c>model.safetensors</c>, else every <c>*.safetensors</c>),
    /// an index file, or a single <c>.safetensors</c> file.
    /// </summary>
    public static SafetensorsArchive Open(string path)
    {
        if (Directory.Exists(path))
        {
            var index = Path.Combine(path, IndexFileName);
            if (File.Exists(index))
                return OpenIndex(index);
            var single = Path.Combine(path, SingleFileName);
            if (File.Exists(single))
                return OpenFiles([single]);
            var all = Directory.GetFiles(path, "*.safetensors");
            if (all.Length == 0)
                throw new ModelFormatException($"{path}: no {SingleFileName}, {IndexFileName} or *.safetensors file");
            Array.Sort(all, StringComparer.Ordinal);
            return OpenFiles(all);
        }
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return OpenIndex(path);
        return OpenFiles([path]);
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public TensorView Get(string name) =>
        _byName.TryGetValue(name, out var file) ? file.Get(name) : throw new ModelFormatException($"tensor '{name}' is missing from the checkpoint");

    public bool TryGet(string name, out TensorView view)
    {
        if (_byName.TryGetValue(name, out var file))
        {
            view = file.Get(name);
            return true;
        }
        view = default;
        return false;
    }

    /// <summary>
    /// Keeps every file mapped until the returned lease is disposed, even if this archive is disposed
    /// first: a backend that holds raw pointers into the weights takes one so that the owner of the
    /// <see cref="ModelFolder"/> cannot unmap them under it.
    /// </summary>
    public IDisposable RetainMappings()
    {
        var retained = new List<SafetensorsFile>(_files.Count);
        try
        {
            foreach (var file in _files)
            {
                file.RetainMapping();
                retained.Add(file);
            }
        }
        catch
        {
            foreach (var file in retained)
                file.ReleaseMapping();
            throw;
        }
        return new MappingLease(retained);
    }

    public void Dispose()
    {
        foreach (var file in _files)
            file.Dispose();
        _files.Clear();
        _byName.Clear();
    }

    private static SafetensorsArchive OpenIndex(string indexPath)
    {
        using var doc = ConfigJson.Parse(indexPath);
        if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{indexPath}: required field 'weight_map' is missing");
        var dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var shardOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
            shardOf[entry.Name] = entry.Value.GetString() ?? throw new ModelFormatException($"{indexPath}: weight_map entry '{entry.Name}' is not a file name");

        var shards = shardOf.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(f => Path.Combine(dir, f)).ToArray();
        var archive = OpenFiles(shards);
        foreach (var (name, shard) in shardOf)
            if (!archive.Contains(name))
            {
                archive.Dispose();
                throw new ModelFormatException($"{indexPath}: tensor '{name}' is listed in shard {shard} but not stored there");
            }
        return archive;
    }

    private static SafetensorsArchive OpenFiles(IReadOnlyList<string> paths)
    {
        var files = new List<SafetensorsFile>(paths.Count);
        var byName = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var path in paths)
            {
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (var name in file.Names)
                    if (!byName.TryAdd(name, file))
                        throw new ModelFormatException($"tensor '{name}' is stored in both {byName[name].Path} and {path}");
            }
        }
        catch
        {
            foreach (var f in files)
                f.Dispose();
            throw;
        }
        return new SafetensorsArchive(files, byName);
    }

    private sealed class MappingLease(List<SafetensorsFile> files) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            foreach (var file in files)
                file.ReleaseMapping();
        }
    }
}
