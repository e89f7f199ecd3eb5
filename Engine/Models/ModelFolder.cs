using DynamoOrleans.Engine.Models.Architectures;

namespace DynamoOrleans.Engine.Models;

/// <summary>
/// A Hugging Face model folder opened for serving: its config, generation defaults and memory-mapped
/// weights, already checked against each other. Dispose unmaps the weights.
/// </summary>
public sealed class ModelFolder : IDisposable
{
    private ModelFolder(string directory, ModelConfig config, GenerationConfig generation, SafetensorsArchive weights, CausalLmTensors tensors)
    {
        Directory = directory;
        Config = config;
        Generation = generation;
        Weights = weights;
        Tensors = tensors;
    }

    public string Directory { get; }

    public ModelConfig Config { get; }

    public GenerationConfig Generation { get; }

    public SafetensorsArchive Weights { get; }

    /// <summary>The weights by role, shapes checked against <see cref="Config"/>.</summary>
    public CausalLmTensors Tensors { get; }

    /// <summary>End-of-sequence ids from generation_config.json, else from config.json.</summary>
    public IReadOnlyList<int> EosTokenIds => Generation.EosTokenIds.Count > 0 ? Generation.EosTokenIds : Config.EosTokenIds;

    public static ModelFolder Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new ModelFormatException($"model folder {directory} does not exist");
        var config = ModelConfig.Load(Path.Combine(directory, "config.json"));
        var generation = GenerationConfig.Load(directory);
        var weights = SafetensorsArchive.Open(directory);
        try
        {
            var tensors = CausalLmTensors.Bind(config, weights);
            return new ModelFolder(Path.GetFullPath(directory), config, generation, weights, tensors);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public void Dispose() => Weights.Dispose();
}
