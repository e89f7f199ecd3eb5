using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Serving.Bench;

/// <summary>What one streamed chat completion showed the client.</summary>
/// <param name="FirstContent">Stopwatch timestamp of the first SSE chunk with non-empty content (0 when none came).</param>
/// <param name="End">Stopwatch timestamp of the end of the stream.</param>
public readonly record struct ChatStreamResult(bool Ok, long FirstContent, long End, int PromptTokens, int CachedTokens, int CompletionTokens, string? Error);

/// <summary>Posts a streaming chat completion and reads its SSE events as a client would, with little parsing on the way.</summary>
public static class ChatStream
{
    public static async Task<ChatStreamResult> PostAsync(HttpClient http, string body, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                return new ChatStreamResult(false, 0, Stopwatch.GetTimestamp(), 0, 0, 0, $"HTTP {(int)response.StatusCode}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
            long firstContent = 0;
            int prompt = 0, cached = 0, completion = 0;
            string? error = null;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]")
                    continue;
                if (firstContent == 0 && HasContent(line))
                    firstContent = Stopwatch.GetTimestamp();
                if (line.Contains("\"error\"", StringComparison.Ordinal))
                    error = line;
                if (line.Contains("\"usage\":{", StringComparison.Ordinal) && JsonNode.Parse(line.AsSpan(6).ToString())?["usage"] is { } usage)
                {
                    prompt = usage["prompt_tokens"]!.GetValue<int>();
                    completion = usage["completion_tokens"]!.GetValue<int>();
                    cached = usage["prompt_tokens_details"]?["cached_tokens"]?.GetValue<int>() ?? 0;
                }
            }
            return new ChatStreamResult(error is null, firstContent, Stopwatch.GetTimestamp(), prompt, cached, completion, error);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return new ChatStreamResult(false, 0, Stopwatch.GetTimestamp(), 0, 0, 0, e.GetType().Name);
        }
    }

    // A content delta that is not the role chunk's empty string.
    private static bool HasContent(string line)
    {
        var at = line.IndexOf("\"content\":\"", StringComparison.Ordinal);
        return at >= 0 && at + 11 < line.Length && line[at + 11] != '"';
    }
}
