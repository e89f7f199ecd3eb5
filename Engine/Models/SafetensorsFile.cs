using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace DynamoOrleans.Engine.Models;

/// <summary>
/// One memory-mapped <c>.safetensors</c> file. The pages stay in the OS page cache and are read in
/// place; the mapping's pointer is held through its SafeHandle until <see cref="Dispose"/> releases it.
/// </summary>
internal sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly Dictionary<string, Entry> _entries;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, Dictionary<string, Entry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePointer;
        _entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IEnumerable<string> Names => _entries.Keys;

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"{path} is missing");
        // The stream's length comes from fstat, which follows symbolic links (the Hugging Face cache
        // links snapshots to blobs); FileInfo.Length would give the link's own size.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = stream.Length;
        if (length < 8)
        {
            stream.Dispose();
            throw new ModelFormatException($"{path}: too short for a safetensors header");
        }

        MemoryMappedFile map;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            acquired = true;
            pointer += view.PointerOffset;
            var (entries, metadata) = ParseHeader(path, pointer, length);
            return new SafetensorsFile(path, map, view, pointer, entries, metadata);
        }
        catch
        {
            if (acquired)
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    public TensorView Get(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_entries.TryGetValue(name, out var e))
            throw new ModelFormatException($"{Path}: tensor '{name}' is missing");
        return new TensorView(name, e.DType, e.Shape, _base + e.Offset, e.Length);
    }

    /// <summary>Keeps the mapping alive past <see cref="Dispose"/> until <see cref="ReleaseMapping"/>; pairs with it.</summary>
    public void RetainMapping()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var added = false;
        _view.SafeMemoryMappedViewHandle.DangerousAddRef(ref added);
    }

    public void ReleaseMapping() => _view.SafeMemoryMappedViewHandle.DangerousRelease();

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private static (Dictionary<string, Entry>, IReadOnlyDictionary<string, string>) ParseHeader(string path, byte* pointer, long fileLength)
    {
        var headerLength = *(ulong*)pointer;
        if (headerLength > (ulong)(fileLength - 8) || headerLength > int.MaxValue)
            throw new ModelFormatException($"{path}: header length {headerLength} exceeds the file");
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(new ReadOnlySpan<byte>(pointer + 8, (int)headerLength).ToArray()));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                var entry = ParseEntry(path, property.Name, property.Value);
                if (entry.Offset < 0 || entry.Offset + entry.Length > dataLength)
                    throw new ModelFormatException($"{path}: tensor '{property.Name}' data_offsets lie outside the file");
                entries[property.Name] = entry with { Offset = dataStart + entry.Offset };
            }
        }
        return (entries, metadata);
    }

    private static Entry ParseEntry(string path, string name, JsonElement value)
    {
        try
        {
            var dtypeName = value.GetProperty("dtype").GetString() ?? "";
            if (!DTypeExtensions.TryParseSafetensorsName(dtypeName, out var dtype))
                throw new ModelFormatException($"{path}: tensor '{name}' has unsupported dtype '{dtypeName}'");
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets");
            var begin = offsets[0].GetInt64();
            var end = offsets[1].GetInt64();
            var elements = shape.Aggregate(1L, (a, d) => a * d);
            if (end - begin != elements * dtype.SizeInBytes())
                throw new ModelFormatException($"{path}: tensor '{name}' data_offsets span {end - begin} bytes; shape [{string.Join(", ", shape)}] of {dtypeName} needs {elements * dtype.SizeInBytes()}");
            return new Entry(dtype, shape, begin, end - begin);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new ModelFormatException($"{path}: tensor '{name}' has a malformed header entry", e);
        }
    }

    private readonly record struct Entry(DType DType, long[] Shape, long Offset, long Length);
}
