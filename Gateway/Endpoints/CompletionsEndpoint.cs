using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Protocol;
using DynamoOrleans.Gateway.Streaming;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Gateway.Endpoints;

/// <summary>POST /v1/completions: one or more prompts (text or token ids), <c>prompts × n</c> choices.</summary>
internal static class CompletionsEndpoint
{
    public const string Name = "completions";

    public static Task HandleAsync(HttpContext context, GatewayContext gateway) =>
        GenerationEndpoint.RunAsync(context, gateway, Name, (ctx, clock) => ServeAsync(ctx, gateway, clock));

    private static async Task ServeAsync(HttpContext context, GatewayContext gateway, RequestClock clock)
    {
        var body = await RequestBody.ReadObjectAsync(context).ConfigureAwait(false);
        // The model first: its own sampling defaults apply to the fields the request leaves out.
        var model = gateway.Models.Resolve(RequestBody.ModelName(body));
        var request = RequestBody.Validate(() => CompletionRequestReader.Read(body, model.Options));
        var options = request.Generation;

        var preprocessor = model.Preprocessor;
        var card = model.Card;
        var header = ResponseHeader.Create("cmpl-", model.Name, options.IncludeUsage, gateway.Time);
        var silentStops = SamplingFactory.SilentStopIds(options, card);
        var jobs = new ChoiceJob[request.Prompts.Count * options.N];
        var echoes = new string[jobs.Length];
        var promptTokens = 0;
        for (var p = 0; p < request.Prompts.Count; p++)
        {
            var prompt = request.Prompts[p];
            var ids = prompt.TokenIds ?? preprocessor.EncodePrompt(prompt.Text!);
            foreach (var id in ids)
                if (id >= card.VocabSize)
                    throw ApiError.BadRequest($"Token id {id} in 'prompt' is outside the vocabulary (size {card.VocabSize}).", "prompt", "invalid_value");
            promptTokens += ids.Length;
            gateway.Metrics.InputSequenceTokens.Observe(ids.Length);
            var echo = request.Echo ? prompt.Text ?? preprocessor.Decode(ids) : string.Empty;
            for (var i = 0; i < options.N; i++)
            {
                var index = p * options.N + i;
                var sampling = SamplingFactory.Create(options, ids.Length, card, fillContext: false, i);
                var processor = new ChoiceOutputProcessor(index, preprocessor.CreateDetokenizer(), options.Stop, silentStops, options.Logprobs is not null, minTokens: options.MinTokens);
                jobs[index] = new ChoiceJob(new GenerateRequest($"{header.Id}-{index}", ids, sampling), processor);
                echoes[index] = echo;
            }
        }

        var ct = context.RequestAborted;
        var writer = new CompletionWriter(header, preprocessor, jobs.Length, options.Logprobs is not null, echoes);
        var deltas = gateway.RunnerFor(model).RunAsync(jobs, clock, ct);
        if (options.Stream)
        {
            GenerationEndpoint.StartEventStream(context);
            using var sse = new SseWriter(context.Response.BodyWriter);
            await foreach (var delta in deltas.ConfigureAwait(false))
            {
                writer.WriteChunk(sse, delta);
                await sse.FlushAsync(ct).ConfigureAwait(false);
            }
            var usage = GenerationEndpoint.Usage(jobs, promptTokens, gateway);
            if (options.IncludeUsage) writer.WriteUsageChunk(sse, usage);
            sse.WriteDone();
            await sse.FlushAsync(ct).ConfigureAwait(false);
        }
        else
        {
            await foreach (var delta in deltas.ConfigureAwait(false))
                writer.Add(delta);
            var usage = GenerationEndpoint.Usage(jobs, promptTokens, gateway);
            await GenerationEndpoint.WriteJsonAsync(context, w => writer.WriteResponse(w, usage)).ConfigureAwait(false);
        }
    }
}
