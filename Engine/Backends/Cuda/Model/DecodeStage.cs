namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>
/// The kernels of a layer by role, for <see cref="CudaModelRunner.ProfileWithoutStage"/>: each names the launches
/// that one stage of every layer (or the LM head, once a step) makes, whichever kernels the step picked for it.
/// </summary>
public enum DecodeStage
{
    None,

    /// <summary>The fused QKV projection (with the input RMSNorm where the norms are folded into the GEMVs).</summary>
    QkvProjection,

    /// <summary>Qwen3's q/k norm, RoPE and the store of the step's keys and values (in pure decode steps the attention kernel does this, so none).</summary>
    QkNormRope,

    /// <summary>Attention over the KV cache, with the merge of its splits (and, in pure decode steps, the q/k norm and RoPE).</summary>
    Attention,

    /// <summary>The output projection (adding into the residual stream where the norms are folded).</summary>
    OProjection,

    /// <summary>The fused gate/up projection and SwiGLU (with the post-attention RMSNorm where folded).</summary>
    GateUpProjection,

    /// <summary>The down projection (adding into the residual stream where folded).</summary>
    DownProjection,

    /// <summary>The two add_rmsnorm launches of a layer whose norms are not folded into the GEMVs.</summary>
    Norms,

    /// <summary>The LM head over the step's logit rows.</summary>
    LmHead,
}
