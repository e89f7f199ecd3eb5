using System.ClientModel;
using System.Globalization;
using OpenAI;
using OpenAI.Chat;

namespace DynamoOrleans.Samples.Chat;

/// <summary>
/// The OpenAI .NET SDK against a DynamoOrleans gateway (or any OpenAI-compatible server): list the models, one chat,
/// one streamed chat printed as its deltas arrive, then a tool call and its answer.
/// </summary>
public static class ChatSample
{
    private const int MaxTokens = 48;

    private static readonly ChatTool WeatherTool = ChatTool.CreateFunctionTool(
        "get_weather", "The current weather in a city",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""));

    /// <summary>Runs the four calls and writes what came back to <paramref name="output"/>; returns the model used.</summary>
    public static async Task<string> RunAsync(Uri baseUrl, string apiKey, string? model, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentNullException.ThrowIfNull(output);
        var client = new OpenAIClient(new ApiKeyCredential(apiKey), new OpenAIClientOptions { Endpoint = baseUrl });

        var models = (await client.GetOpenAIModelClient().GetModelsAsync(cancellationToken)).Value;
        await output.WriteLineAsync("models: " + string.Join(", ", models.Select(m => m.Id)));
        model ??= models.Count > 0 ? models[0].Id : throw new InvalidOperationException("the server lists no models; pass --model");
        var chat = client.GetChatClient(model);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = MaxTokens };

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Hello! Who are you?")], options, cancellationToken);
        await output.WriteLineAsync($"chat: {Text(completion)}");
        await output.WriteLineAsync($"chat {Describe(completion.Usage)}, finish {completion.FinishReason}");

        // The SDK asks for stream_options.include_usage, so the last chunk carries the usage.
        await output.WriteAsync("stream: ");
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Tell me a short story.")], options, cancellationToken))
        {
            foreach (var part in update.ContentUpdate)
                await output.WriteAsync(part.Text);
            await output.FlushAsync(cancellationToken);
            usage ??= update.Usage;
        }
        await output.WriteLineAsync();
        await output.WriteLineAsync(usage is null ? "stream usage: none" : "stream " + Describe(usage));

        await RunToolCallAsync(chat, output, cancellationToken);
        return model;
    }

    /// <summary>Offers a tool; when the model calls it, answers with a made-up result and prints the model's reply.</summary>
    private static async Task RunToolCallAsync(ChatClient chat, TextWriter output, CancellationToken cancellationToken)
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = MaxTokens, Tools = { WeatherTool } };
        List<ChatMessage> messages = [new UserChatMessage("What is the weather in Paris?")];
        ChatCompletion first = await chat.CompleteChatAsync(messages, options, cancellationToken);
        if (first.FinishReason != ChatFinishReason.ToolCalls)
        {
            // Small or random-weight models (the demo) often answer in prose instead.
            await output.WriteLineAsync($"tool: no call, the model answered: {Text(first)}");
            return;
        }
        messages.Add(new AssistantChatMessage(first));
        foreach (var call in first.ToolCalls)
        {
            await output.WriteLineAsync($"tool: {call.FunctionName}({call.FunctionArguments})");
            messages.Add(new ToolChatMessage(call.Id, """{"temperature_c":18,"sky":"clear"}"""));
        }
        ChatCompletion answer = await chat.CompleteChatAsync(messages, options, cancellationToken);
        await output.WriteLineAsync($"tool answer: {Text(answer)}");
    }

    private static string Text(ChatCompletion completion) => string.Concat(completion.Content.Select(part => part.Text));

    private static string Describe(ChatTokenUsage usage) => string.Create(CultureInfo.InvariantCulture,
        $"usage: prompt {usage.InputTokenCount}, completion {usage.OutputTokenCount}, total {usage.TotalTokenCount}, cached {usage.InputTokenDetails?.CachedTokenCount ?? 0}");
}
