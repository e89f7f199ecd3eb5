using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Tests.Models;

/// <summary>Builds model folders for tests: seeded synthetic Llama-shaped models, and dtype / sharded copies of real ones.</summary>
internal static class ModelFolderWriter
{
    /// <summary>A small synthetic model's shape; the defaults give GQA with 4 query and 2 KV heads.</summary>
    public sealed record Shape(int Vocab = 96, int Hidden = 64, int Intermediate = 112, int Layers = 2, int Heads = 4, int KvHeads = 2, int HeadDim = 16);

    /// <summary>
    /// Seeded random weights for the Llama layer shape under the HF names. Biases (when
    /// <paramref name="biasScale"/> is not null) are q/k/v only, scaled by it (0 gives zero biases).
    /// </summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> RandomWeights(Shape s, int seed, float? biasScale = null, bool qkNorm = false, bool tied = false)
    {
        var rng = new Random(seed);
        // Optional tensors draw from their own stream so that adding them leaves the shared weights identical.
        var extraRng = new Random(seed + 1);
        var w = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        void Matrix(string name, int rows, int cols) => w[name] = (Uniform(rng, rows * cols, 1f / MathF.Sqrt(cols)), [rows, cols]);
        void Norm(string name, int n) => w[name] = (Enumerable.Range(0, n).Select(_ => 1f + 0.1f * (rng.NextSingle() - 0.5f)).ToArray(), [n]);

        Matrix("model.embed_tokens.weight", s.Vocab, s.Hidden);
        if (!tied)
            Matrix("lm_head.weight", s.Vocab, s.Hidden);
        Norm("model.norm.weight", s.Hidden);
        for (var l = 0; l < s.Layers; l++)
        {
            var p = $"model.layers.{l}.";
            Norm(p + "input_layernorm.weight", s.Hidden);
            Norm(p + "post_attention_layernorm.weight", s.Hidden);
            Matrix(p + "self_attn.q_proj.weight", s.Heads * s.HeadDim, s.Hidden);
            Matrix(p + "self_attn.k_proj.weight", s.KvHeads * s.HeadDim, s.Hidden);
            Matrix(p + "self_attn.v_proj.weight", s.KvHeads * s.HeadDim, s.Hidden);
            Matrix(p + "self_attn.o_proj.weight", s.Hidden, s.Heads * s.HeadDim);
            Matrix(p + "mlp.gate_proj.weight", s.Intermediate, s.Hidden);
            Matrix(p + "mlp.up_proj.weight", s.Intermediate, s.Hidden);
            Matrix(p + "mlp.down_proj.weight", s.Hidden, s.Intermediate);
            if (biasScale is { } scale)
            {
                w[p + "self_attn.q_proj.bias"] = (Uniform(extraRng, s.Heads * s.HeadDim, scale), [s.Heads * s.HeadDim]);
                w[p + "self_attn.k_proj.bias"] = (Uniform(extraRng, s.KvHeads * s.HeadDim, scale), [s.KvHeads * s.HeadDim]);
                w[p + "self_attn.v_proj.bias"] = (Uniform(extraRng, s.KvHeads * s.HeadDim, scale), [s.KvHeads * s.HeadDim]);
            }
            if (qkNorm)
            {
                Norm(p + "self_attn.q_norm.weight", s.HeadDim);
                Norm(p + "self_attn.k_norm.weight", s.HeadDim);
            }
        }
        return w;
    }

    /// <summary>config.json in the transformers 4.x form for <paramref name="architecture"/>.</summary>
    public static JsonObject Config(string architecture, Shape s, bool tied = false, JsonObject? extra = null)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["vocab_size"] = s.Vocab,
            ["hidden_size"] = s.Hidden,
            ["intermediate_size"] = s.Intermediate,
            ["num_hidden_layers"] = s.Layers,
            ["num_attention_heads"] = s.Heads,
            ["num_key_value_heads"] = s.KvHeads,
            ["head_dim"] = s.HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 10000.0,
            ["max_position_embeddings"] = 4096,
            ["tie_word_embeddings"] = tied,
            ["torch_dtype"] = "float32",
        };
        foreach (var (k, v) in extra ?? [])
            config[k] = v?.DeepClone();
        return config;
    }

    public static string Write(string dir, JsonObject config, Dictionary<string, (float[] Data, long[] Shape)> weights, DType dtype = DType.F32)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"),
            weights.Select(kv => SafetensorsTensor.FromFloats(kv.Key, dtype, kv.Value.Data, kv.Value.Shape)));
        return dir;
    }

    /// <summary>Copies a model folder converting every weight to <paramref name="dtype"/>, split over <paramref name="shards"/> files with an index when more than one.</summary>
    public static string Copy(string source, string destination, DType dtype, int shards = 1)
    {
        Directory.CreateDirectory(destination);
        foreach (var json in Directory.GetFiles(source, "*.json"))
            File.Copy(json, Path.Combine(destination, Path.GetFileName(json)), overwrite: true);
        using var archive = SafetensorsArchive.Open(Path.Combine(source, "model.safetensors"));
        var names = archive.Names.Order(StringComparer.Ordinal).ToArray();
        var tensors = names.Select(n =>
        {
            var v = archive.Get(n);
            return SafetensorsTensor.FromFloats(n, dtype, v.ToFloatArray(), v.Shape.ToArray());
        }).ToArray();

        if (shards == 1)
        {
            SafetensorsWriter.Write(Path.Combine(destination, "model.safetensors"), tensors);
            return destination;
        }
        var weightMap = new JsonObject();
        for (var s = 0; s < shards; s++)
        {
            var file = $"model-{s + 1:00000}-of-{shards:00000}.safetensors";
            var part = tensors.Where((_, i) => i % shards == s).ToArray();
            SafetensorsWriter.Write(Path.Combine(destination, file), part);
            foreach (var t in part)
                weightMap[t.Name] = file;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(destination, SafetensorsArchive.IndexFileName), index.ToJsonString());
        return destination;
    }

    private static float[] Uniform(Random rng, int n, float scale)
    {
        var a = new float[n];
        for (var i = 0; i < n; i++)
            a[i] = (rng.NextSingle() * 2 - 1) * scale;
        return a;
    }
}
