using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Bench;

/// <summary>A Qwen3-shaped model with seeded random bf16 weights, written to a folder the engine opens like a real one.</summary>
internal sealed record SyntheticModel(int Vocab = 32_000, int Hidden = 512, int Intermediate = 1536, int Layers = 8, int Heads = 8, int KvHeads = 4, int HeadDim = 64)
{
    /// <summary>Weights every token passes through (attention and MLP projections of all layers), not counting embedding and head.</summary>
    public long NumLayerLinearParams =>
        (long)Layers * Hidden * (Heads * HeadDim * 2L + KvHeads * HeadDim * 2L + Intermediate * 3L);

    public long NumHeadParams => (long)Vocab * Hidden;

    public string Write(string directory, int seed = 1)
    {
        Directory.CreateDirectory(directory);
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3ForCausalLM"),
            ["model_type"] = "qwen3",
            ["vocab_size"] = Vocab,
            ["hidden_size"] = Hidden,
            ["intermediate_size"] = Intermediate,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 1_000_000.0,
            ["max_position_embeddings"] = 8192,
            ["tie_word_embeddings"] = true,
            ["torch_dtype"] = "bfloat16",
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());

        var random = new Random(seed);
        var tensors = new List<SafetensorsTensor>
        {
            Matrix(random, "model.embed_tokens.weight", Vocab, Hidden),
            Norm("model.norm.weight", Hidden),
        };
        for (var l = 0; l < Layers; l++)
        {
            var p = $"model.layers.{l}.";
            tensors.Add(Norm(p + "input_layernorm.weight", Hidden));
            tensors.Add(Norm(p + "post_attention_layernorm.weight", Hidden));
            tensors.Add(Matrix(random, p + "self_attn.q_proj.weight", Heads * HeadDim, Hidden));
            tensors.Add(Matrix(random, p + "self_attn.k_proj.weight", KvHeads * HeadDim, Hidden));
            tensors.Add(Matrix(random, p + "self_attn.v_proj.weight", KvHeads * HeadDim, Hidden));
            tensors.Add(Matrix(random, p + "self_attn.o_proj.weight", Hidden, Heads * HeadDim));
            tensors.Add(Norm(p + "self_attn.q_norm.weight", HeadDim));
            tensors.Add(Norm(p + "self_attn.k_norm.weight", HeadDim));
            tensors.Add(Matrix(random, p + "mlp.gate_proj.weight", Intermediate, Hidden));
            tensors.Add(Matrix(random, p + "mlp.up_proj.weight", Intermediate, Hidden));
            tensors.Add(Matrix(random, p + "mlp.down_proj.weight", Hidden, Intermediate));
        }
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors);
        return directory;
    }

    private static SafetensorsTensor Matrix(Random random, string name, int rows, int cols)
    {
        var scale = 1f / MathF.Sqrt(cols);
        var data = new float[rows * cols];
        for (var i = 0; i < data.Length; i++)
            data[i] = (random.NextSingle() * 2 - 1) * scale;
        return SafetensorsTensor.BF16(name, data, rows, cols);
    }

    private static SafetensorsTensor Norm(string name, int n)
    {
        var data = new float[n];
        Array.Fill(data, 1f);
        return SafetensorsTensor.BF16(name, data, n);
    }
}
