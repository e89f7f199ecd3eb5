namespace DynamoOrleans.Engine.Models.Architectures;

/// <summary>One decoder layer's tensors, checked against the config's shapes. Optional ones are null when the architecture lacks them.</summary>
public sealed class LayerTensors
{
    public required TensorView InputNorm { get; init; }

    public required TensorView QProj { get; init; }

    public required TensorView KProj { get; init; }

    public required TensorView VProj { get; init; }

    public required TensorView OProj { get; init; }

    public TensorView? QBias { get; init; }

    public TensorView? KBias { get; init; }

    public TensorView? VBias { get; init; }

    public TensorView? OBias { get; init; }

    /// <summary>Qwen3's per-head RMSNorm weights over head_dim.</summary>
    public TensorView? QNorm { get; init; }

    public TensorView? KNorm { get; init; }

    public required TensorView PostAttentionNorm { get; init; }

    public required TensorView GateProj { get; init; }

    public required TensorView UpProj { get; init; }

    public required TensorView DownProj { get; init; }
}
