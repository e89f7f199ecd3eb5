using System.Text.Json.Nodes;

namespace DynamoOrleans.Engine.Models.Demo;

/// <summary>
/// <c>--model demo</c>: a small Qwen3-shaped model with seeded random weights and the demo tokenizer,
/// written once into a cache folder in the Hugging Face layout and then loaded like any other model.
/// It needs no download, so a newcomer sees the whole stack work at once (the words are nonsense).
/// </summary>
public static class DemoModel
{
    public const string Name = "demo";

    /// <summary>Bump when the generated files change, so stale caches are not reused.</summary>
    private const int Version = 5;

    private const int HiddenSize = 256;
    private const int NumLayers = 4;
    private const int NumHeads = 4;
    private const int NumKvHeads = 2;
    private const int HeadDim = 64;
    private const int IntermediateSize = 768;
    private const int VocabSize = 512;
    private const int MaxContext = 4096;
    private const int NumMerges = 700;

    public static string DefaultCacheRoot =>
        Environment.GetEnvironmentVariable("DYNAMO_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dynamo-orleans");

    /// <summary>Returns the demo model folder under <paramref name="cacheRoot"/>, writing it first if needed.</summary>
    public static string EnsureFolder(string? cacheRoot = null)
    {
        var folder = Path.Combine(cacheRoot ?? DefaultCacheRoot, $"demo-model-v{Version}");
        if (File.Exists(Path.Combine(folder, "model.safetensors")))
            return folder;

        // Written beside the final folder and moved into place, so a crash never leaves half a model. The staging
        // name is unique per writer, not per pid: containers sharing one cache volume all run as pid 1.
        var staging = folder + ".tmp-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        var tokenizerVocab = DemoTokenizerBuilder.Write(staging, NumMerges);
        if (tokenizerVocab > VocabSize)
            throw new InvalidOperationException($"demo tokenizer has {tokenizerVocab} tokens; the model has room for {VocabSize}");
        var bpeVocab = tokenizerVocab - DemoTokenizerBuilder.AddedTokens.Length;
        var endOfText = DemoTokenizerBuilder.AddedTokenId(bpeVocab, "<|endoftext|>");
        var imEnd = DemoTokenizerBuilder.AddedTokenId(bpeVocab, "<|im_end|>");
        WriteConfig(staging, endOfText, imEnd);
        WriteWeights(Path.Combine(staging, "model.safetensors"), bpeVocab, imEnd);
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, "model.safetensors")))
        {
            Directory.Delete(staging, recursive: true); // another process won the race; its copy is identical
        }
        return folder;
    }

    private static void WriteConfig(string directory, int endOfText, int imEnd)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3ForCausalLM"),
            ["model_type"] = "qwen3",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumLayers,
            ["num_attention_heads"] = NumHeads,
            ["num_key_value_heads"] = NumKvHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = MaxContext,
            ["rms_norm_eps"] = 1e-6,
            ["rope_theta"] = 1000000.0,
            ["rope_scaling"] = null,
            // Untied: with a tied head, a random model's logits peak at the token it was just given, so it repeats it forever.
            ["tie_word_embeddings"] = false,
            ["attention_bias"] = false,
            ["bos_token_id"] = endOfText,
            ["eos_token_id"] = imEnd,
            ["torch_dtype"] = "bfloat16",
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        var generation = new JsonObject
        {
            ["bos_token_id"] = endOfText,
            ["eos_token_id"] = new JsonArray(imEnd, endOfText),
            ["temperature"] = 0.7,
            ["top_p"] = 0.8,
            ["top_k"] = 20,
        };
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), generation.ToJsonString());
    }

    private static void WriteWeights(string path, int bpeVocab, int imEnd)
    {
        var random = new Random(20261122);
        var tensors = new List<SafetensorsTensor>();
        var embedding = GaussianData(random, 0.5f, VocabSize * HiddenSize);
        var head = GaussianData(random, 0.2f, VocabSize * HiddenSize);
        // A unigram prior through hidden dimension 0: every embedding holds a constant there, so after the
        // final RMSNorm h[0] is always positive and lm_head[:, 0] acts as a per-token bias. Learned word
        // pieces and plain ASCII are favoured and stray bytes disfavoured, so the nonsense reads as words.
        for (var token = 0; token < VocabSize; token++)
        {
            embedding[token * HiddenSize] = 2f;
            head[token * HiddenSize] = token == imEnd ? -0.3f : IsWordLike(token, bpeVocab) ? 2f : -5f;
        }
        tensors.Add(SafetensorsTensor.BF16("model.embed_tokens.weight", embedding, VocabSize, HiddenSize));
        tensors.Add(SafetensorsTensor.BF16("lm_head.weight", head, VocabSize, HiddenSize));
        tensors.Add(Ones("model.norm.weight", HiddenSize));
        for (var layer = 0; layer < NumLayers; layer++)
        {
            var p = $"model.layers.{layer}.";
            tensors.Add(Ones(p + "input_layernorm.weight", HiddenSize));
            tensors.Add(Ones(p + "post_attention_layernorm.weight", HiddenSize));
            tensors.Add(Gaussian(random, p + "self_attn.q_proj.weight", 0.06f, NumHeads * HeadDim, HiddenSize));
            tensors.Add(Gaussian(random, p + "self_attn.k_proj.weight", 0.06f, NumKvHeads * HeadDim, HiddenSize));
            tensors.Add(Gaussian(random, p + "self_attn.v_proj.weight", 0.06f, NumKvHeads * HeadDim, HiddenSize));
            tensors.Add(WithoutRowZero(Gaussian(random, p + "self_attn.o_proj.weight", 0.06f, HiddenSize, NumHeads * HeadDim)));
            tensors.Add(Ones(p + "self_attn.q_norm.weight", HeadDim));
            tensors.Add(Ones(p + "self_attn.k_norm.weight", HeadDim));
            tensors.Add(Gaussian(random, p + "mlp.gate_proj.weight", 0.06f, IntermediateSize, HiddenSize));
            tensors.Add(Gaussian(random, p + "mlp.up_proj.weight", 0.06f, IntermediateSize, HiddenSize));
            tensors.Add(WithoutRowZero(Gaussian(random, p + "mlp.down_proj.weight", 0.04f, HiddenSize, IntermediateSize)));
        }
        SafetensorsWriter.Write(path, tensors);
    }

    /// <summary>Layers never write hidden dimension 0, so the prior's constant reaches the head intact.</summary>
    private static SafetensorsTensor WithoutRowZero(SafetensorsTensor tensor)
    {
        var bytes = tensor.Data.ToArray();
        Array.Clear(bytes, 0, checked((int)tensor.Shape[1]) * 2); // bf16: two bytes per value
        return tensor with { Data = bytes };
    }

    private static bool IsWordLike(int token, int bpeVocab) => token switch
    {
        >= 256 => token < bpeVocab,
        _ => char.IsAsciiLetterOrDigit((char)token) || token is ' ' or '.' or ',' or '!' or '?' or '\'',
    };

    private static SafetensorsTensor Gaussian(Random random, string name, float std, int rows, int columns) =>
        SafetensorsTensor.BF16(name, GaussianData(random, std, rows * columns), rows, columns);

    private static float[] GaussianData(Random random, float std, int count)
    {
        var data = new float[count];
        for (var i = 0; i < data.Length; i++)
        {
            // Box-Muller: two uniforms to one standard normal.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            data[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return data;
    }

    private static SafetensorsTensor Ones(string name, int length)
    {
        var data = new float[length];
        Array.Fill(data, 1f);
        return SafetensorsTensor.BF16(name, data, length);
    }
}
