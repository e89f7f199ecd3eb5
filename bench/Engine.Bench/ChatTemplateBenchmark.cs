using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// Chat template rendering per request: the Qwen2.5 template over a 10-message chat with two tools,
/// against a hand-written StringBuilder that produces the same prompt (the floor any renderer has).
/// </summary>
public sealed class ChatTemplateBenchmark : IBenchmark
{
    private const int Messages = 10;

    public string Name => "chat-template";

    public string Description => "render a real chat template (Qwen2.5) vs building the same prompt by hand";

    public Task RunAsync(string[] args, TextWriter output)
    {
        var iterations = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        var source = File.ReadAllText(FindTemplate());
        var input = new ChatTemplateInput(Conversation()) { Tools = Tools(), AddGenerationPrompt = true };

        var parse = Stopwatch.StartNew();
        var template = ChatTemplate.Parse(source, eosToken: "<|im_end|>");
        parse.Stop();
        var expected = template.Render(input);
        if (expected != ByHand(input))
            throw new InvalidOperationException("the hand-built prompt differs from the template's; the baseline would be unfair");

        var (renderUs, renderBytes) = Measure(iterations, () => template.Render(input));
        var (handUs, handBytes) = Measure(iterations, () => ByHand(input));
        var trivial = ChatTemplate.Parse("x");
        var (setupUs, setupBytes) = Measure(iterations, () => trivial.Render(input));

        output.WriteLine($"prompt: {expected.Length} chars, {Messages} messages, 2 tools; {iterations} iterations, one thread");
        output.WriteLine($"parse once:          {parse.Elapsed.TotalMilliseconds:F2} ms");
        output.WriteLine($"render:              {renderUs:F1} us/request, {renderBytes / 1024.0:F1} KiB allocated/request");
        output.WriteLine($"of which input setup: {setupUs:F1} us/request, {setupBytes / 1024.0:F1} KiB allocated/request (a template that prints 'x')");
        output.WriteLine($"by hand (baseline):  {handUs:F1} us/request, {handBytes / 1024.0:F1} KiB allocated/request");
        output.WriteLine($"render / baseline:   {renderUs / handUs:F1}x time, {(double)renderBytes / handBytes:F1}x allocation");
        return Task.CompletedTask;
    }

    private static (double Microseconds, long Bytes) Measure(int iterations, Func<string> render)
    {
        for (var i = 0; i < Math.Min(iterations, 1000); i++)
            render();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
            render();
        clock.Stop();
        return (clock.Elapsed.TotalMicroseconds / iterations, (GC.GetAllocatedBytesForCurrentThread() - before) / iterations);
    }

    /// <summary>The same ChatML the Qwen2.5 template renders for this input.</summary>
    private static string ByHand(ChatTemplateInput input)
    {
        var sb = new StringBuilder();
        sb.Append("<|im_start|>system\n").Append(input.Messages[0]!["content"]!.GetValue<string>());
        sb.Append("\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>");
        foreach (var tool in input.Tools!)
            sb.Append('\n').Append(PythonStyleJson(tool!));
        sb.Append("\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n");
        foreach (var message in input.Messages.Skip(1))
            sb.Append("<|im_start|>").Append(message!["role"]!.GetValue<string>()).Append('\n').Append(message["content"]!.GetValue<string>()).Append("<|im_end|>\n");
        return sb.Append("<|im_start|>assistant\n").ToString();
    }

    /// <summary>json.dumps spacing (", " and ": ") over System.Text.Json's compact output; enough for these ASCII tool schemas.</summary>
    private static string PythonStyleJson(JsonNode node) => node switch
    {
        JsonObject obj => "{" + string.Join(", ", obj.Select(p => JsonValue.Create(p.Key)!.ToJsonString() + ": " + PythonStyleJson(p.Value!))) + "}",
        JsonArray array => "[" + string.Join(", ", array.Select(x => PythonStyleJson(x!))) + "]",
        _ => node.ToJsonString(),
    };

    private static JsonArray Conversation()
    {
        var messages = new JsonArray { new JsonObject { ["role"] = "system", ["content"] = "You are a helpful assistant." } };
        for (var i = 1; i < Messages; i++)
        {
            messages.Add(new JsonObject
            {
                ["role"] = i % 2 == 1 ? "user" : "assistant",
                ["content"] = $"Message {i}: " + string.Concat(Enumerable.Repeat("some words of a typical chat turn ", 8)),
            });
        }
        return messages;
    }

    private static JsonArray Tools() =>
        JsonNode.Parse("""
            [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
             {"type": "function", "function": {"name": "get_time", "description": "Get the time", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}}]
            """)!.AsArray();

    private static string FindTemplate()
    {
        const string relative = "Tests/Engine.Tests/TestData/templates/Qwen-Qwen2.5-7B-Instruct.jinja";
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"run from inside the repository: {relative} not found");
    }
}
