using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Bench;

/// <summary>Seeded random weights written to temporary safetensors files, so benchmarks read mapped weights as serving does.</summary>
internal static class SyntheticWeights
{
    public static float[] Uniform(Random rng, long count, float scale)
    {
        var a = new float[count];
        for (long i = 0; i < count; i++)
            a[i] = (rng.NextSingle() * 2 - 1) * scale;
        return a;
    }

    public static string TempDirectory(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"dynamo-bench-{name}-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A Llama-shaped model folder (GQA, tied embeddings) with bf16 weights.</summary>
    public static string WriteLlama(string dir, int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads, DType dtype)
    {
        var headDim = hidden / heads;
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""
            {"architectures": ["LlamaForCausalLM"], "vocab_size": {{vocab}}, "hidden_size": {{hidden}},
             "intermediate_size": {{intermediate}}, "num_hidden_layers": {{layers}}, "num_attention_heads": {{heads}},
             "num_key_value_heads": {{kvHeads}}, "head_dim": {{headDim}}, "rms_norm_eps": 1e-5, "rope_theta": 500000.0,
             "max_position_embeddings": 8192, "tie_word_embeddings": true, "torch_dtype": "bfloat16"}
            """);
        var rng = new Random(1234);
        IEnumerable<SafetensorsTensor> Tensors()
        {
            SafetensorsTensor M(string name, int rows, int cols) =>
                SafetensorsTensor.FromFloats(name, dtype, Uniform(rng, (long)rows * cols, 1f / MathF.Sqrt(cols)), rows, cols);
            SafetensorsTensor V(string name, int n) => SafetensorsTensor.FromFloats(name, dtype, Enumerable.Repeat(1f, n).ToArray(), n);
            yield return M("model.embed_tokens.weight", vocab, hidden);
            yield return V("model.norm.weight", hidden);
            for (var l = 0; l < layers; l++)
            {
                var p = $"model.layers.{l}.";
                yield return V(p + "input_layernorm.weight", hidden);
                yield return V(p + "post_attention_layernorm.weight", hidden);
                yield return M(p + "self_attn.q_proj.weight", heads * headDim, hidden);
                yield return M(p + "self_attn.k_proj.weight", kvHeads * headDim, hidden);
                yield return M(p + "self_attn.v_proj.weight", kvHeads * headDim, hidden);
                yield return M(p + "self_attn.o_proj.weight", hidden, heads * headDim);
                yield return M(p + "mlp.gate_proj.weight", intermediate, hidden);
                yield return M(p + "mlp.up_proj.weight", intermediate, hidden);
                yield return M(p + "mlp.down_proj.weight", hidden, intermediate);
            }
        }
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), Tensors());
        return dir;
    }
}
