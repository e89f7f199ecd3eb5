namespace DynamoOrleans.Engine.Models.Architectures;

/// <summary>
/// What distinguishes the supported decoder-only families. They share one layer shape (pre-norm
/// attention with RoPE and GQA, SwiGLU MLP, RMSNorm); only these switches differ.
/// </summary>
public sealed record ArchitectureTraits(
    string Name,
    bool QkvBiasAlways,
    bool HasQkNorm,
    bool HonoursSlidingWindow)
{
    public static readonly ArchitectureTraits Llama = new("LlamaForCausalLM", QkvBiasAlways: false, HasQkNorm: false, HonoursSlidingWindow: false);

    /// <summary>Qwen2 always carries q/k/v biases (never an o_proj bias), whatever attention_bias says.</summary>
    public static readonly ArchitectureTraits Qwen2 = new("Qwen2ForCausalLM", QkvBiasAlways: true, HasQkNorm: false, HonoursSlidingWindow: false);

    /// <summary>Qwen3 normalises each query and key head (RMSNorm over head_dim) before RoPE.</summary>
    public static readonly ArchitectureTraits Qwen3 = new("Qwen3ForCausalLM", QkvBiasAlways: false, HasQkNorm: true, HonoursSlidingWindow: false);

    /// <summary>Mistral is Llama's layer; its sliding_window, when set, limits how far back attention looks.</summary>
    public static readonly ArchitectureTraits Mistral = new("MistralForCausalLM", QkvBiasAlways: false, HasQkNorm: false, HonoursSlidingWindow: true);

    public static IReadOnlyList<ArchitectureTraits> Supported { get; } = [Llama, Qwen2, Qwen3, Mistral];

    public static ArchitectureTraits? Find(string architecture)
    {
        foreach (var traits in Supported)
            if (traits.Name == architecture)
                return traits;
        return null;
    }
}
