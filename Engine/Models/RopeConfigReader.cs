namespace DynamoOrleans.Engine.Models;

/// <summary>
/// Reads RoPE parameters from either config.json form: transformers 4.x keeps <c>rope_theta</c> at the
/// top level and scaling in <c>rope_scaling</c> (keyed <c>rope_type</c> or the older <c>type</c>);
/// 5.x folds both into <c>rope_parameters</c>.
/// </summary>
internal static class RopeConfigReader
{
    public static RopeConfig Read(ConfigJson json)
    {
        var parameters = json.OptionalObject("rope_parameters");
        var scaling = json.OptionalObject("rope_scaling");
        var theta = parameters?.OptionalDouble("rope_theta") ?? json.OptionalDouble("rope_theta") ?? scaling?.OptionalDouble("rope_theta") ?? 10000.0;
        var source = parameters ?? scaling;
        if (source is not { } p)
            return new RopeConfig { Theta = theta };

        var typeName = p.OptionalString("rope_type") ?? p.OptionalString("type") ?? "default";
        var type = typeName switch
        {
            "default" => RopeScalingType.Default,
            "linear" => RopeScalingType.Linear,
            "llama3" => RopeScalingType.Llama3,
            _ => throw new ModelFormatException($"{p.File}: rope_type '{typeName}' is not supported (supported: default, linear, llama3)"),
        };
        if (type == RopeScalingType.Default)
            return new RopeConfig { Theta = theta };

        var factor = p.OptionalDouble("factor") ?? throw p.Missing("factor");
        if (type == RopeScalingType.Linear)
            return new RopeConfig { Theta = theta, Scaling = type, Factor = factor };

        return new RopeConfig
        {
            Theta = theta,
            Scaling = type,
            Factor = factor,
            LowFreqFactor = p.OptionalDouble("low_freq_factor") ?? throw p.Missing("low_freq_factor"),
            HighFreqFactor = p.OptionalDouble("high_freq_factor") ?? throw p.Missing("high_freq_factor"),
            OriginalMaxPositionEmbeddings = p.OptionalInt("original_max_position_embeddings") ?? throw p.Missing("original_max_position_embeddings"),
        };
    }
}
