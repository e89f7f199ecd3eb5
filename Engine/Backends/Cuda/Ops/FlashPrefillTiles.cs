using System.Globalization;

namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>
/// The tile shape Kernels/TensorCore/flash_prefill.cu is compiled with (FA_WARPS, FA_WARP_ROWS, FA_KEYS) and the
/// launch figures that follow from it. The launcher defines all three in the source it compiles, so this is the
/// one place the kernel's shape and its grid, block and shared-memory size are decided together.
/// </summary>
public readonly record struct FlashPrefillTiles
{
    public FlashPrefillTiles(int warps, int warpRows, int keys)
    {
        if (warpRows is not (16 or 32))
            throw new ArgumentOutOfRangeException(nameof(warpRows), warpRows, "a warp owns 16 or 32 query rows (one or two m-tiles)");
        if (keys < 16 || keys % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(keys), keys, "key tiles are a multiple of 16 keys");
        if (warps is < 1 or > 16 || warps * warpRows % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(warps), warps, "1 to 16 warps whose rows make a multiple of 32");
        Warps = warps;
        WarpRows = warpRows;
        Keys = keys;
    }

    /// <summary>
    /// 128 query rows on 4 warps of two m-tiles (each K and V fragment read from shared memory feeds two mma),
    /// 32-key tiles. Fastest of the shapes timed on an H100 at 8k tokens (bench/results/cuda-kernels-h100.md):
    /// 289 TFLOP/s against 202 for 64-key tiles (whose 104 KB of shared memory allow one block less per SM)
    /// and 251 for 64-row blocks. 69,632 bytes of shared memory at head dim 128.
    /// </summary>
    public static FlashPrefillTiles Default { get; } = new(4, 32, 32);

    /// <summary>For GPUs that allow a block less shared memory than <see cref="Default"/> needs: 64 rows, 32-key tiles.</summary>
    public static FlashPrefillTiles SmallShared { get; } = new(4, 16, 32);

    public int Warps { get; }

    public int WarpRows { get; }

    public int Keys { get; }

    public int RowsPerBlock => Warps * WarpRows;

    public uint Threads => (uint)(Warps * 32);

    /// <summary>Dynamic shared memory of a block: Q, then two K and two V tiles, every row padded by 8 bf16.</summary>
    public int SharedBytes(int headDim) => (RowsPerBlock + 4 * Keys) * (headDim + 8) * sizeof(ushort);

    /// <summary>The lines that compile the kernel with this shape, to go before the module's source.</summary>
    public string Defines => $"#define FA_WARPS {Warps}\n#define FA_WARP_ROWS {WarpRows}\n#define FA_KEYS {Keys}\n";

    /// <summary>Reads <c>WARPSxWARPROWSxKEYS</c>, e.g. <c>4x32x64</c>, the form <see cref="ToString"/> writes.</summary>
    public static FlashPrefillTiles Parse(string text)
    {
        var parts = text.Split('x');
        if (parts.Length != 3)
            throw new FormatException($"'{text}' is not WARPSxWARPROWSxKEYS, e.g. 4x32x64");
        int Part(int i) => int.Parse(parts[i], CultureInfo.InvariantCulture);
        return new(Part(0), Part(1), Part(2));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Warps}x{WarpRows}x{Keys}");
}
