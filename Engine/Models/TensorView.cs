namespace DynamoOrleans.Engine.Models;

/// <summary>
/// A tensor inside a mapped safetensors file: its dtype, shape and a pointer to its raw little-endian
/// bytes. Valid only while the <see cref="SafetensorsArchive"/> that produced it is open.
/// </summary>
public readonly unsafe struct TensorView
{
    private readonly long[] _shape;

    internal TensorView(string name, DType dtype, long[] shape, byte* data, long byteLength)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        Pointer = data;
        ByteLength = byteLength;
    }

    public string Name { get; }

    public DType DType { get; }

    public ReadOnlySpan<long> Shape => _shape;

    public int Rank => _shape.Length;

    public byte* Pointer { get; }

    public long ByteLength { get; }

    public long ElementCount => ByteLength / DType.SizeInBytes();

    /// <summary>The raw bytes; tensors past 2 GiB must be read through <see cref="Pointer"/>.</summary>
    public ReadOnlySpan<byte> Bytes => new(Pointer, checked((int)ByteLength));

    public long Dim(int axis) => _shape[axis];

    public bool HasShape(params ReadOnlySpan<long> shape) => shape.SequenceEqual(_shape);

    public string ShapeText => $"[{string.Join(", ", _shape)}]";

    /// <summary>Widens a floating-point tensor into <paramref name="destination"/> as fp32.</summary>
    public void CopyToFloat(Span<float> destination)
    {
        var count = checked((int)ElementCount);
        if (destination.Length < count)
            throw new ArgumentException($"destination holds {destination.Length} floats; {Name} has {count}", nameof(destination));
        switch (DType)
        {
            case DType.F32:
                new ReadOnlySpan<float>(Pointer, count).CopyTo(destination);
                break;
            case DType.BF16:
                FloatConversions.Bf16ToFloat(new ReadOnlySpan<ushort>(Pointer, count), destination);
                break;
            case DType.F16:
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(Pointer, count), destination);
                break;
            case DType.F64:
                var doubles = new ReadOnlySpan<double>(Pointer, count);
                for (var i = 0; i < count; i++)
                    destination[i] = (float)doubles[i];
                break;
            default:
                throw new ModelFormatException($"tensor '{Name}' is {DType}, not a floating-point type");
        }
    }

    public float[] ToFloatArray()
    {
        var result = new float[ElementCount];
        CopyToFloat(result);
        return result;
    }

    public long[] ToInt64Array()
    {
        var count = checked((int)ElementCount);
        return DType switch
        {
            DType.I64 => new ReadOnlySpan<long>(Pointer, count).ToArray(),
            DType.I32 => Array.ConvertAll(new ReadOnlySpan<int>(Pointer, count).ToArray(), x => (long)x),
            _ => throw new ModelFormatException($"tensor '{Name}' is {DType}, not an integer type"),
        };
    }
}
