namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>
/// One decoder layer's weights on the device in bf16: q, k and v concatenated into one [(Hq + 2 Hkv) D, H]
/// matrix and gate and up into one [2 I, H], so attention's and the MLP's input projections are one GEMM each.
/// </summary>
internal sealed class CudaLayerWeights : IDisposable
{
    public required DeviceBuffer InputNorm { get; init; }

    public required DeviceBuffer Qkv { get; init; }

    public required DeviceBuffer O { get; init; }

    public DeviceBuffer? QNorm { get; init; }

    public DeviceBuffer? KNorm { get; init; }

    public required DeviceBuffer PostAttentionNorm { get; init; }

    public required DeviceBuffer GateUp { get; init; }

    public required DeviceBuffer Down { get; init; }

    public long Bytes => InputNorm.Bytes + Qkv.Bytes + O.Bytes + (QNorm?.Bytes ?? 0) + (KNorm?.Bytes ?? 0)
        + PostAttentionNorm.Bytes + GateUp.Bytes + Down.Bytes;

    public void Dispose()
    {
        InputNorm.Dispose();
        Qkv.Dispose();
        O.Dispose();
        QNorm?.Dispose();
        KNorm?.Dispose();
        PostAttentionNorm.Dispose();
        GateUp.Dispose();
        Down.Dispose();
    }
}
