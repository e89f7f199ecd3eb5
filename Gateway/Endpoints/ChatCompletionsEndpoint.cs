using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Parsing;
using DynamoOrleans.Gateway.Protocol;
using DynamoOrleans.Gateway.Streaming;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Gateway.Endpoints;

/// <summary>POST /v1/chat/completions: validate, render through the chat template, generate, parse reasoning and tool calls.</summary>
internal static class ChatCompletionsEndpoint
{
    public const string Name = "chat_completions";

    public static Task HandleAsync(HttpContext context, GatewayContext gateway) =>
        GenerationEndpoint.RunAsync(context, gateway, Name, (ctx, clock) => ServeAsync(ctx, gateway, clock));

    private static async Task ServeAsync(HttpContext context, GatewayContext gateway, RequestClock clock)
    {
        var body = await RequestBody.ReadObjectAsync(context).ConfigureAwait(false);
        // The model first: its own sampling defaults apply to the fields the request leaves out.
        var model = gateway.Models.Resolve(RequestBody.ModelName(body));
        var request = RequestBody.Validate(() => ChatCompletionRequestReader.Read(body, model.Options));
        var options = request.Generation;

        var preprocessor = model.Preprocessor;
        var card = model.Card;
        var prompt = preprocessor.RenderChat(request.Messages, request.ToolsActive ? request.Tools : null, request.TemplateVariables);
        var header = ResponseHeader.Create("chatcmpl-", model.Name, options.IncludeUsage, gateway.Time);
        var startsInReasoning = ReasoningParser.PromptOpensReasoning(prompt.Text);
        var silentStops = SamplingFactory.SilentStopIds(options, card);

        var jobs = new ChoiceJob[options.N];
        for (var i = 0; i < jobs.Length; i++)
        {
            var sampling = SamplingFactory.Create(options, prompt.TokenIds.Length, card, fillContext: true, i);
            var tools = request.ToolsActive
                ? new ToolCallParser(request.ToolChoice is ToolChoiceMode.Required or ToolChoiceMode.Named, request.NamedTool, !request.ParallelToolCalls)
                : null;
            var processor = new ChoiceOutputProcessor(i, preprocessor.CreateDetokenizer(), options.Stop, silentStops,
                options.Logprobs is not null, new ReasoningParser(startsInReasoning), tools, options.MinTokens);
            jobs[i] = new ChoiceJob(new GenerateRequest($"{header.Id}-{i}", prompt.TokenIds, sampling), processor);
        }
        gateway.Metrics.InputSequenceTokens.Observe(prompt.TokenIds.Length);

        var ct = context.RequestAborted;
        var deltas = gateway.RunnerFor(model).RunAsync(jobs, clock, ct);
        if (options.Stream)
        {
            GenerationEndpoint.StartEventStream(context);
            using var sse = new SseWriter(context.Response.BodyWriter);
            var chunks = new ChatChunkWriter(sse, header, preprocessor, jobs.Length);
            await foreach (var delta in deltas.ConfigureAwait(false))
            {
                chunks.Write(delta);
                await sse.FlushAsync(ct).ConfigureAwait(false);
            }
            var usage = GenerationEndpoint.Usage(jobs, prompt.TokenIds.Length, gateway);
            if (options.IncludeUsage) chunks.WriteUsage(usage);
            sse.WriteDone();
            await sse.FlushAsync(ct).ConfigureAwait(false);
        }
        else
        {
            var builder = new ChatResponseBuilder(header, preprocessor, jobs.Length, options.Logprobs is not null);
            await foreach (var delta in deltas.ConfigureAwait(false))
                builder.Add(delta);
            var usage = GenerationEndpoint.Usage(jobs, prompt.TokenIds.Length, gateway);
            await GenerationEndpoint.WriteJsonAsync(context, w => builder.Write(w, usage)).ConfigureAwait(false);
        }
    }
}
