namespace DynamoOrleans.Engine.Models.Architectures;

/// <summary>
/// The named tensors of a Llama-shaped causal LM (Llama, Qwen2, Qwen3, Mistral), looked up under the
/// Hugging Face names and checked against <see cref="ModelConfig"/> so that a backend can trust every
/// shape. Views point into the mapped archive and live as long as it does.
/// </summary>
public sealed class CausalLmTensors
{
    public required TensorView Embedding { get; init; }

    /// <summary><c>lm_head.weight</c>, or the embedding when the word embeddings are tied.</summary>
    public required TensorView LmHead { get; init; }

    public required TensorView FinalNorm { get; init; }

    public required IReadOnlyList<LayerTensors> Layers { get; init; }

    public bool IsLmHeadTied { get; init; }

    public static CausalLmTensors Bind(ModelConfig config, SafetensorsArchive weights)
    {
        var b = new Binder(weights);
        var vocab = config.VocabSize;
        var hidden = config.HiddenSize;
        var embedding = b.Matrix("model.embed_tokens.weight", vocab, hidden);
        TensorView lmHead;
        var tied = false;
        if (weights.Contains("lm_head.weight"))
        {
            lmHead = b.Matrix("lm_head.weight", vocab, hidden);
        }
        else if (config.TieWordEmbeddings)
        {
            lmHead = embedding;
            tied = true;
        }
        else
        {
            throw new ModelFormatException("tensor 'lm_head.weight' is missing and config.json does not set tie_word_embeddings");
        }

        var layers = new LayerTensors[config.NumLayers];
        for (var i = 0; i < layers.Length; i++)
            layers[i] = BindLayer(config, b, $"model.layers.{i}.");

        return new CausalLmTensors
        {
            Embedding = embedding,
            LmHead = lmHead,
            FinalNorm = b.Vector("model.norm.weight", hidden),
            Layers = layers,
            IsLmHeadTied = tied,
        };
    }

    private static LayerTensors BindLayer(ModelConfig c, Binder b, string prefix)
    {
        var qDim = c.NumAttentionHeads * c.HeadDim;
        var kvDim = c.NumKeyValueHeads * c.HeadDim;
        var attn = prefix + "self_attn.";
        var mlp = prefix + "mlp.";
        return new LayerTensors
        {
            InputNorm = b.Vector(prefix + "input_layernorm.weight", c.HiddenSize),
            QProj = b.Matrix(attn + "q_proj.weight", qDim, c.HiddenSize),
            KProj = b.Matrix(attn + "k_proj.weight", kvDim, c.HiddenSize),
            VProj = b.Matrix(attn + "v_proj.weight", kvDim, c.HiddenSize),
            OProj = b.Matrix(attn + "o_proj.weight", c.HiddenSize, qDim),
            QBias = c.AttentionBias ? b.Vector(attn + "q_proj.bias", qDim) : null,
            KBias = c.AttentionBias ? b.Vector(attn + "k_proj.bias", kvDim) : null,
            VBias = c.AttentionBias ? b.Vector(attn + "v_proj.bias", kvDim) : null,
            OBias = c.OutputProjectionBias ? b.Vector(attn + "o_proj.bias", c.HiddenSize) : null,
            QNorm = c.HasQkNorm ? b.Vector(attn + "q_norm.weight", c.HeadDim) : null,
            KNorm = c.HasQkNorm ? b.Vector(attn + "k_norm.weight", c.HeadDim) : null,
            PostAttentionNorm = b.Vector(prefix + "post_attention_layernorm.weight", c.HiddenSize),
            GateProj = b.Matrix(mlp + "gate_proj.weight", c.IntermediateSize, c.HiddenSize),
            UpProj = b.Matrix(mlp + "up_proj.weight", c.IntermediateSize, c.HiddenSize),
            DownProj = b.Matrix(mlp + "down_proj.weight", c.HiddenSize, c.IntermediateSize),
        };
    }

    private readonly struct Binder(SafetensorsArchive weights)
    {
        public TensorView Matrix(string name, long rows, long cols) => Checked(name, rows, cols);

        public TensorView Vector(string name, long length) => Checked(name, length);

        private TensorView Checked(string name, params long[] shape)
        {
            if (!weights.TryGet(name, out var view))
                throw new ModelFormatException($"tensor '{name}' is missing from the checkpoint");
            if (!view.HasShape(shape))
                throw new ModelFormatException($"tensor '{name}' has shape {view.ShapeText}; the config implies [{string.Join(", ", shape)}]");
            if (view.DType is not (DType.F32 or DType.F16 or DType.BF16))
                throw new ModelFormatException($"tensor '{name}' is {view.DType}; weights must be F32, F16 or BF16");
            return view;
        }
    }
}
