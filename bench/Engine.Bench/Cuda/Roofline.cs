using System.Globalization;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Bench.Cuda;

/// <summary>
/// The floors a step cannot beat on a GPU with the measured <paramref name="BandwidthTbps"/> and
/// <paramref name="GemmTflops"/> (see <see cref="CudaPeaksBenchmark"/>): decode reads every streamed weight
/// once plus the KV of every sequence; prefill does 2 FLOPs per weight per token plus causal attention
/// (QKᵀ and PV over half the square), with the lm_head on the last token only.
/// </summary>
public sealed record Roofline(ModelConfig Config, long StreamedWeightBytes, double BandwidthTbps, double GemmTflops)
{
    /// <summary>The runner's bf16 weight bytes less an untied embedding table, which a step only gathers rows of.</summary>
    public static Roofline For(ModelConfig config, long weightBytes, double bandwidthTbps, double gemmTflops) =>
        new(config, weightBytes - (config.TieWordEmbeddings ? 0 : 2L * config.VocabSize * config.HiddenSize), bandwidthTbps, gemmTflops);

    public long KvBytesPerToken => 2L * Config.NumLayers * 2 * Config.NumKeyValueHeads * Config.HeadDim;

    public double DecodeFloorMs(int sequences, int context) =>
        (StreamedWeightBytes + (double)sequences * context * KvBytesPerToken) / (BandwidthTbps * 1e12) * 1e3;

    public double PrefillFlops(int length)
    {
        var c = Config;
        long q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        var linearPerLayer = c.HiddenSize * (q + 2 * kv) + q * c.HiddenSize + 3L * c.HiddenSize * c.IntermediateSize;
        var attentionPerLayer = 4.0 * c.NumAttentionHeads * c.HeadDim * (length * (length + 1.0) / 2);
        return 2.0 * length * linearPerLayer * c.NumLayers + c.NumLayers * attentionPerLayer + 2.0 * c.VocabSize * c.HiddenSize;
    }

    public double PrefillFloorMs(int length) => PrefillFlops(length) / (GemmTflops * 1e12) * 1e3;

    public string DecodeShare(int sequences, int context, double ms) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * DecodeFloorMs(sequences, context) / ms:F0}% of the bandwidth roofline (floor {DecodeFloorMs(sequences, context):F3} ms)");

    public string PrefillShare(int length, double ms) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * PrefillFloorMs(length) / ms:F0}% of the GEMM peak ({PrefillFlops(length) / ms / 1e9:F0} TFLOP/s)");
}
