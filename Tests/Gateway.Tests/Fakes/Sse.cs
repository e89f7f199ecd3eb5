using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Tests.Fakes;

/// <summary>Posts JSON and reads answers: whole JSON, or SSE events up to [DONE].</summary>
public static class Sse
{
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string json, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client.SendAsync(request);
    }

    public static async Task<JsonObject> PostJsonAsync(HttpClient client, string path, string json)
    {
        using var response = await PostAsync(client, path, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>The JSON payloads of every event before [DONE], asserting the stream ends with [DONE].</summary>
    public static async Task<List<JsonObject>> PostStreamAsync(HttpClient client, string path, string json)
    {
        using var response = await PostAsync(client, path, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return ParseEvents(body);
    }

    public static List<JsonObject> ParseEvents(string body)
    {
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        return events[..^1].Select(e =>
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            return JsonNode.Parse(e["data: ".Length..])!.AsObject();
        }).ToList();
    }

    /// <summary>Concatenates a field of every chunk's delta for one choice.</summary>
    public static string Join(IEnumerable<JsonObject> chunks, string field, int index = 0) =>
        string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray())
            .Where(c => c!["index"]!.GetValue<int>() == index)
            .Select(c => (c!["delta"]?[field] ?? c["text"])?.GetValue<string>() ?? ""));
}
