namespace DynamoOrleans.Engine.Models;

/// <summary>How rotary position embeddings scale, as <c>rope_scaling</c> / <c>rope_parameters</c> name it.</summary>
public enum RopeScalingType
{
    /// <summary>Plain RoPE: <c>inv_freq[i] = theta^(-2i/d)</c>.</summary>
    Default,

    /// <summary>Positions divided by <see cref="RopeConfig.Factor"/>.</summary>
    Linear,

    /// <summary>Llama 3.1's frequency-dependent scaling between the low- and high-frequency wavelengths.</summary>
    Llama3,
}

/// <summary>Rotary embedding parameters, the same whichever transformers version wrote config.json.</summary>
public sealed record RopeConfig
{
    public double Theta { get; init; } = 10000.0;

    public RopeScalingType Scaling { get; init; } = RopeScalingType.Default;

    public double Factor { get; init; } = 1.0;

    public double LowFreqFactor { get; init; } = 1.0;

    public double HighFreqFactor { get; init; } = 4.0;

    public int OriginalMaxPositionEmbeddings { get; init; } = 8192;

    /// <summary>
    /// The dtype the inverse frequencies are rounded to before use, or null to keep fp32. transformers
    /// keeps <c>inv_freq</c> as a module buffer, so a model loaded in bf16 carries bf16-rounded
    /// frequencies even when later run in fp32; its reference logits agree with ours to ~1e-5 only when we
    /// round the same way (unrounded, the angle error grows with position: ~1e-1 logits by position 250).
    /// </summary>
    public DType? InverseFrequencyDType { get; init; }

    /// <summary>
    /// The inverse frequencies for a head of <paramref name="headDim"/>, computed in fp32 as transformers
    /// does so that angles, and therefore logits, agree with the reference to the last bits that matter.
    /// </summary>
    public float[] InverseFrequencies(int headDim)
    {
        var half = headDim / 2;
        var inv = new float[half];
        for (var i = 0; i < half; i++)
        {
            var exponent = (float)(2 * i) / headDim;
            inv[i] = 1.0f / MathF.Pow((float)Theta, exponent);
        }

        switch (Scaling)
        {
            case RopeScalingType.Linear:
                for (var i = 0; i < half; i++)
                    inv[i] /= (float)Factor;
                break;
            case RopeScalingType.Llama3:
                ApplyLlama3(inv);
                break;
        }
        Round(inv);
        return inv;
    }

    private void Round(float[] inv)
    {
        for (var i = 0; i < inv.Length; i++)
        {
            inv[i] = InverseFrequencyDType switch
            {
                DType.BF16 => FloatConversions.Bf16ToFloat(FloatConversions.FloatToBf16(inv[i])),
                DType.F16 => (float)(Half)inv[i],
                _ => inv[i],
            };
        }
    }

    // Mirrors transformers' _compute_llama3_parameters: long wavelengths are slowed by the factor,
    // short ones kept, and the band between blended smoothly.
    private void ApplyLlama3(float[] inv)
    {
        var factor = (float)Factor;
        var low = (float)LowFreqFactor;
        var high = (float)HighFreqFactor;
        var oldContext = (float)OriginalMaxPositionEmbeddings;
        var lowFreqWavelen = oldContext / low;
        var highFreqWavelen = oldContext / high;
        for (var i = 0; i < inv.Length; i++)
        {
            var wavelen = 2 * MathF.PI / inv[i];
            var scaled = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
            var isMedium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (isMedium)
            {
                var smooth = (oldContext / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            inv[i] = scaled;
        }
    }
}
