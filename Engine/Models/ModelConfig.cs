using DynamoOrleans.Engine.Models.Architectures;

namespace DynamoOrleans.Engine.Models;

/// <summary>
/// A decoder-only model's shape, read from a Hugging Face <c>config.json</c> in either the
/// transformers 4.x form (<c>rope_theta</c>, <c>rope_scaling</c>, <c>torch_dtype</c>) or the 5.x form
/// (<c>rope_parameters</c>, <c>dtype</c>).
/// </summary>
public sealed class ModelConfig
{
    public required string Architecture { get; init; }

    public required ArchitectureTraits Traits { get; init; }

    public required int VocabSize { get; init; }

    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }

    public required int NumLayers { get; init; }

    public required int NumAttentionHeads { get; init; }

    public required int NumKeyValueHeads { get; init; }

    public required int HeadDim { get; init; }

    public double RmsNormEps { get; init; } = 1e-6;

    public RopeConfig Rope { get; init; } = new();

    public int MaxPositionEmbeddings { get; init; } = 2048;

    public bool TieWordEmbeddings { get; init; }

    /// <summary>q_proj, k_proj and v_proj carry biases.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>o_proj carries a bias (Llama-family <c>attention_bias: true</c>; never Qwen2).</summary>
    public bool OutputProjectionBias { get; init; }

    public bool HasQkNorm => Traits.HasQkNorm;

    /// <summary>Attention looks back at most this many positions; null for full attention.</summary>
    public int? SlidingWindow { get; init; }

    public int? BosTokenId { get; init; }

    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The dtype the checkpoint was saved in (<c>torch_dtype</c> / <c>dtype</c>), e.g. "bfloat16"; informational.</summary>
    public string? TorchDType { get; init; }

    public static ModelConfig Load(string configJsonPath)
    {
        using var doc = ConfigJson.Parse(configJsonPath);
        var json = new ConfigJson(doc.RootElement, configJsonPath);
        return Parse(json);
    }

    private static ModelConfig Parse(ConfigJson json)
    {
        var architecture = ReadArchitecture(json);
        var traits = ArchitectureTraits.Find(architecture)
            ?? throw new ModelFormatException($"{json.File}: field 'architectures' names '{architecture}', which is not supported (supported: {string.Join(", ", ArchitectureTraits.Supported.Select(t => t.Name))})");

        var act = json.OptionalString("hidden_act") ?? "silu";
        if (act is not ("silu" or "swish"))
            throw new ModelFormatException($"{json.File}: field 'hidden_act' is '{act}'; only silu is supported");

        if (json.OptionalBool("mlp_bias") == true)
            throw new ModelFormatException($"{json.File}: field 'mlp_bias' is true; MLP biases are not supported");

        var hidden = Positive(json, "hidden_size");
        var heads = Positive(json, "num_attention_heads");
        var kvHeads = json.OptionalInt("num_key_value_heads") ?? heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw json.Invalid("num_key_value_heads", $"a positive divisor of num_attention_heads ({heads})");
        var headDim = json.OptionalInt("head_dim") ?? hidden / heads;
        if (headDim <= 0 || headDim % 2 != 0)
            throw json.Invalid("head_dim", "a positive even integer");

        var attentionBias = json.OptionalBool("attention_bias") ?? false;
        int? window = null;
        if (traits.HonoursSlidingWindow)
            window = json.OptionalInt("sliding_window");

        return new ModelConfig
        {
            Architecture = architecture,
            Traits = traits,
            VocabSize = Positive(json, "vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = Positive(json, "intermediate_size"),
            NumLayers = Positive(json, "num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = json.OptionalDouble("rms_norm_eps") ?? 1e-6,
            Rope = RopeConfigReader.Read(json) with { InverseFrequencyDType = CheckpointDType(json) },
            MaxPositionEmbeddings = json.OptionalInt("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? false,
            AttentionBias = traits.QkvBiasAlways || attentionBias,
            OutputProjectionBias = !traits.QkvBiasAlways && attentionBias,
            SlidingWindow = window,
            BosTokenId = json.OptionalInt("bos_token_id"),
            EosTokenIds = json.TokenIds("eos_token_id"),
            TorchDType = json.OptionalString("dtype") ?? json.OptionalString("torch_dtype"),
        };
    }

    // Follows transformers: inv_freq takes the dtype the model is loaded in, which for a Hub checkpoint is its torch_dtype.
    private static DType? CheckpointDType(ConfigJson json) =>
        (json.OptionalString("dtype") ?? json.OptionalString("torch_dtype")) switch
        {
            "bfloat16" => DType.BF16,
            "float16" => DType.F16,
            _ => null,
        };

    private static string ReadArchitecture(ConfigJson json)
    {
        if (!json.TryGet("architectures", out var list))
            throw json.Missing("architectures");
        if (list.ValueKind != System.Text.Json.JsonValueKind.Array || list.GetArrayLength() == 0)
            throw json.Invalid("architectures", "a non-empty list of names");
        return list[0].GetString() ?? throw json.Invalid("architectures", "a non-empty list of names");
    }

    private static int Positive(ConfigJson json, string name)
    {
        var value = json.RequiredInt(name);
        return value > 0 ? value : throw json.Invalid(name, "a positive integer");
    }
}
