using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Tests.Fakes;

/// <summary>Seeded random mutations of valid request bodies (dropped fields, wrong types, huge numbers, garbage bytes, truncated JSON).</summary>
public static class RequestFuzzer
{
    /// <summary>Sends <paramref name="count"/> mutated bodies; asserts no 5xx, OpenAI-shaped errors, and a healthy server after.</summary>
    public static async Task RunAsync(HttpClient client, string model, int seed, int count)
    {
        var valid = new[]
        {
            ("/v1/chat/completions", """{"model":"MODEL_NAME","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"r"}],"max_tokens":5,"temperature":0.5,"top_p":0.9,"n":2,"stop":["x"],"logprobs":true,"top_logprobs":2,"stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto","seed":3,"chat_template_kwargs":{"enable_thinking":false}}"""),
            ("/v1/completions", """{"model":"MODEL_NAME","prompt":["a","b"],"max_tokens":4,"logprobs":1,"n":1,"stop":"z","echo":false,"stop_token_ids":[5],"ignore_eos":false,"min_tokens":1}"""),
        };
        var random = new Random(seed);
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < count; i++)
        {
            var (path, template) = valid[i % valid.Length];
            var json = template.Replace("MODEL_NAME", model, StringComparison.Ordinal);
            var body = Mutate(JsonNode.Parse(json)!.AsObject(), random, out var raw);
            using var content = new ByteArrayContent(raw ?? Encoding.UTF8.GetBytes(body!));
            content.Headers.ContentType = new("application/json");
            using var response = await client.PostAsync(path, content);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"{status} for {body ?? "raw bytes"}: {text}");
            if (status >= 400) Assert.NotNull(JsonNode.Parse(text)!["error"]!["message"]);
        }
        Assert.True(statuses.GetValueOrDefault(400) > count / 4, string.Join(", ", statuses));
        Assert.True(statuses.GetValueOrDefault(200) > count / 30, string.Join(", ", statuses));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    private static readonly JsonNode?[] Weird =
    [
        null, "", "x", 0, -1, 1.5, 1e300, long.MaxValue, -9999999999L, true, false, new JsonArray(), new JsonObject(),
        new JsonArray(1, "a", null), new JsonObject { ["a"] = 1 }, new string('z', 5000), "\u0000\uffff",
    ];

    /// <summary>One to three mutations of a valid body: drop, retype or inflate a field (maybe nested), or garble the bytes.</summary>
    private static string? Mutate(JsonObject body, Random random, out byte[]? raw)
    {
        raw = null;
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            var target = PickObject(body, random);
            var keys = target.Select(p => p.Key).ToList();
            if (keys.Count == 0) continue;
            var key = keys[random.Next(keys.Count)];
            switch (random.Next(4))
            {
                case 0: target.Remove(key); break;
                case 1: target[key] = Weird[random.Next(Weird.Length)]?.DeepClone(); break;
                case 2: target["unknown_" + random.Next(5)] = Weird[random.Next(Weird.Length)]?.DeepClone(); break;
                default:
                    if (target[key] is JsonArray array && array.Count > 0) array[random.Next(array.Count)] = Weird[random.Next(Weird.Length)]?.DeepClone();
                    else target[key] = Weird[random.Next(Weird.Length)]?.DeepClone();
                    break;
            }
        }
        var json = body.ToJsonString();
        switch (random.Next(6))
        {
            case 0: return json[..random.Next(json.Length)];
            case 1:
                raw = Encoding.UTF8.GetBytes(json);
                for (var i = 0; i < 3; i++) raw[random.Next(raw.Length)] = (byte)random.Next(256);
                return null;
            default: return json;
        }
    }

    private static JsonObject PickObject(JsonObject root, Random random)
    {
        JsonObject current = root;
        for (var depth = 0; depth < 3 && random.Next(2) == 0; depth++)
        {
            var children = current.Select(p => p.Value).SelectMany(v => v switch
            {
                JsonObject o => [o],
                JsonArray a => a.OfType<JsonObject>(),
                _ => [],
            }).ToList();
            if (children.Count == 0) break;
            current = children[random.Next(children.Count)];
        }
        return current;
    }
}
