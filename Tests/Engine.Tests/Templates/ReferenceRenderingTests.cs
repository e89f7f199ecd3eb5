using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Templates;

/// <summary>
/// The real chat templates of Llama 3.2/3.3, Qwen2.5, Qwen3, Mistral v0.3 and Nemo and the
/// DeepSeek-R1 distills, over conversations with system prompts, tools, tool calls, tool results,
/// reasoning and template errors, render exactly what transformers renders (references.json).
/// </summary>
public sealed class ReferenceRenderingTests
{
    private static readonly JsonArray Cases = TemplateFixtures.LoadJson("references.json")["cases"]!.AsArray();

    public static TheoryData<string, string> CaseNames()
    {
        var data = new TheoryData<string, string>();
        foreach (var item in Cases)
            data.Add(item!["template"]!.GetValue<string>(), item["case"]!.GetValue<string>());
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Render_RealTemplate_MatchesTransformers(string template, string name)
    {
        var item = Cases.Single(c => c!["template"]!.GetValue<string>() == template && c["case"]!.GetValue<string>() == name)!;
        var chat = LoadTemplate(template, item);
        var input = new ChatTemplateInput(item["messages"]!.DeepClone().AsArray())
        {
            Tools = item["tools"]?.DeepClone().AsArray(),
            AddGenerationPrompt = item["add_generation_prompt"]!.GetValue<bool>(),
            Variables = item["variables"]!.AsObject().ToDictionary(p => p.Key, p => p.Value?.DeepClone()),
        };
        if (item["text"] is { } text)
        {
            Assert.Equal(text.GetValue<string>(), chat.Render(input, FixedClock.ReferenceNow));
            return;
        }
        var error = Assert.Throws<TemplateException>(() => chat.Render(input, FixedClock.ReferenceNow));
        Assert.Equal(item["error"]!.GetValue<string>(), error.Reason);
        Assert.True(error.Line > 0);
    }

    private static ChatTemplate LoadTemplate(string template, JsonNode item)
    {
        // Qwen3's template is read from the real tokenizer folder, which also exercises FromDirectory.
        if (template == "qwen3")
            return ChatTemplate.FromDirectory(TestData.Qwen3Tokenizer);
        var source = File.ReadAllText(Path.Combine(TemplateFixtures.TemplatesFolder, template));
        return ChatTemplate.Parse(source, item["bos_token"]?.GetValue<string>(), item["eos_token"]?.GetValue<string>());
    }
}
