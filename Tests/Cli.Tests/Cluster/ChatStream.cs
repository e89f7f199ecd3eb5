using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>What one streamed chat completion delivered: the concatenated deltas, how it ended, and its usage.</summary>
public sealed record ChatResult(HttpStatusCode Status, string Text, string? FinishReason, string? Error, int Chunks, int PromptTokens, int CompletionTokens, int CachedTokens);

/// <summary>
/// A streamed <c>POST /v1/chat/completions</c> read frame by frame, as an SSE client does. Raw HTTP rather than the
/// SDK because the tests need vLLM's <c>ignore_eos</c> (fixed-length greedy runs) and every frame's timing.
/// </summary>
public static class ChatStream
{
    public static string Body(string? system, string user, int maxTokens) => new JsonObject
    {
        ["model"] = "demo",
        ["messages"] = system is null
            ? new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user })
            : new JsonArray(new JsonObject { ["role"] = "system", ["content"] = system }, new JsonObject { ["role"] = "user", ["content"] = user }),
        ["max_tokens"] = maxTokens,
        ["temperature"] = 0,
        ["ignore_eos"] = true,
        ["stream"] = true,
        ["stream_options"] = new JsonObject { ["include_usage"] = true },
    }.ToJsonString();

    /// <summary>Sends the request and reads the stream to its end; <paramref name="onChunk"/> gets the count of content frames so far.</summary>
    public static async Task<ChatResult> SendAsync(HttpClient http, string body, Action<int>? onChunk = null)
    {
        using var timeout = new CancellationTokenSource(ClusterTimeouts.Request);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode != HttpStatusCode.OK)
            return new ChatResult(response.StatusCode, "", null, await response.Content.ReadAsStringAsync(timeout.Token), 0, 0, 0, 0);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token), Encoding.UTF8);
        var text = new StringBuilder();
        string? finish = null, error = null;
        int chunks = 0, prompt = 0, completion = 0, cached = 0;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
            var frame = JsonNode.Parse(line["data: ".Length..])!;
            if (frame["error"] is { } e) error = e.ToJsonString();
            if (frame["usage"] is JsonObject usage)
            {
                prompt = usage["prompt_tokens"]!.GetValue<int>();
                completion = usage["completion_tokens"]!.GetValue<int>();
                cached = usage["prompt_tokens_details"]?["cached_tokens"]?.GetValue<int>() ?? 0;
            }
            if (frame["choices"] is not JsonArray { Count: > 0 } choices) continue;
            if (choices[0]!["delta"]?["content"] is { } content && content.GetValueKind() == JsonValueKind.String)
            {
                text.Append(content.GetValue<string>());
                onChunk?.Invoke(++chunks);
            }
            if (choices[0]!["finish_reason"] is { } f && f.GetValueKind() == JsonValueKind.String) finish = f.GetValue<string>();
        }
        return new ChatResult(response.StatusCode, text.ToString(), finish, error, chunks, prompt, completion, cached);
    }
}
