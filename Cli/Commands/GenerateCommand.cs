using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DynamoOrleans.Cli.Hosting;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Cli.Commands;

/// <summary>
/// <c>dynamo generate</c>: one prompt through the chat template and the serving engine, streamed to
/// the terminal as it is produced; sampling defaults come from the model's generation_config.json.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = ModelArgument.Description, Required = true };
        var prompt = new Option<string>("--prompt") { Description = "The user message", Required = true };
        var system = new Option<string?>("--system") { Description = "An optional system message" };
        var raw = new Option<bool>("--raw") { Description = "Send the prompt as it is, without the chat template" };
        var thinking = new Option<bool?>("--enable-thinking") { Description = "Passed to the chat template as enable_thinking" };
        var sampling = new SamplingOptions();
        var command = new Command("generate", "Generate a reply to one prompt and stream it to the terminal") { model, prompt, system, raw, thinking };
        sampling.AddTo(command);
        command.SetAction((parse, cancel) => CliRun.GuardAsync(async () =>
        {
            var folder = await ModelArgument.ResolveAsync(parse.GetValue(model)!, cancel);
            var request = new GenerateInput(parse.GetValue(prompt)!, parse.GetValue(system), parse.GetValue(raw), parse.GetValue(thinking));
            return await RunAsync(folder, request, defaults => sampling.Apply(parse, defaults), Console.Out, Console.Error, cancel);
        }));
        return command;
    }

    public sealed record GenerateInput(string Prompt, string? System, bool Raw, bool? EnableThinking);

    public static async Task<int> RunAsync(
        string modelFolder, GenerateInput input, Func<SamplingParams, SamplingParams> sampling,
        TextWriter output, TextWriter stats, CancellationToken cancellationToken)
    {
        var tokenizer = Tokenizer.FromDirectory(modelFolder);
        var text = input.Raw ? input.Prompt : ChatTemplate.FromDirectory(modelFolder).Render(ToChat(input));
        var promptIds = tokenizer.Encode(text);
        var defaults = SamplingDefaults.From(GenerationConfig.Load(modelFolder)) with { MaxTokens = 256 };

        await using var engine = CpuEngine.Start(modelFolder, new EngineOptions { ModelName = Path.GetFileName(modelFolder) });
        var request = new GenerateRequest("generate-1", promptIds, sampling(defaults));
        var decoder = tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var clock = Stopwatch.StartNew();
        TimeSpan? firstToken = null;
        var numTokens = 0;
        FinishReason? finish = null;
        await foreach (var token in engine.GenerateAsync(request, cancellationToken))
        {
            firstToken ??= clock.Elapsed;
            numTokens++;
            finish = token.Finish;
            await output.WriteAsync(decoder.Push(token.TokenId)); // special tokens such as EOS decode to nothing
        }
        await output.WriteAsync(decoder.Flush());
        await output.WriteLineAsync();
        var total = clock.Elapsed.TotalSeconds;
        await stats.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"[{promptIds.Length} prompt tokens, {numTokens} generated, finish {finish?.ToString().ToLowerInvariant()}, first token {firstToken?.TotalMilliseconds:F0} ms, {numTokens / Math.Max(total, 1e-9):F1} tok/s]"));
        return 0;
    }

    private static ChatTemplateInput ToChat(GenerateInput input)
    {
        var messages = new JsonArray();
        if (input.System is { } system)
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = input.Prompt });
        var variables = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (input.EnableThinking is { } thinking)
            variables["enable_thinking"] = thinking;
        return new ChatTemplateInput(messages) { AddGenerationPrompt = true, Variables = variables };
    }
}
