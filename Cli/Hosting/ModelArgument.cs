using DynamoOrleans.Engine.Hub;
using DynamoOrleans.Engine.Models.Demo;

namespace DynamoOrleans.Cli.Hosting;

/// <summary>Resolves <c>--model</c>: <c>demo</c>, a local folder, or a Hub id (downloaded into the Hugging Face cache with a progress bar).</summary>
internal static class ModelArgument
{
    public const string Description = "A Hugging Face model folder, a Hub id (org/name[@revision]), or 'demo' for a small random-weight model";

    public static async Task<string> ResolveAsync(string model, CancellationToken cancellationToken)
    {
        if (model == DemoModel.Name && !Directory.Exists(model))
            return DemoModel.EnsureFolder();
        var progress = Console.IsErrorRedirected ? null : new DownloadProgressBar(Console.Error);
        return await ModelLocator.ResolveAsync(model, HubOptions.FromEnvironment(), progress, cancellationToken);
    }
}
