using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Templates;

/// <summary>The shared qwen3-chat-template-cases.json: every "text" is what the real Qwen3 template renders here.</summary>
public sealed class Qwen3ChatTemplateCasesTests
{
    private static readonly JsonArray Cases = JsonNode.Parse(File.ReadAllText(TestData.ChatTemplateCases))!["chat"]!.AsArray();
    private static readonly Lazy<ChatTemplate> Qwen3 = new(() => ChatTemplate.FromDirectory(TestData.Qwen3Tokenizer));

    public static TheoryData<int> CaseIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Count; i++)
            data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void Render_Qwen3Case_MatchesExpectedText(int index)
    {
        var item = Cases[index]!;
        var variables = new Dictionary<string, JsonNode?>();
        // null in the case file means the caller did not pass enable_thinking at all.
        if (item["enable_thinking"] is { } thinking)
            variables["enable_thinking"] = thinking.DeepClone();
        var input = new ChatTemplateInput(item["messages"]!.DeepClone().AsArray())
        {
            Tools = item["tools"]?.DeepClone().AsArray(),
            AddGenerationPrompt = item["add_generation_prompt"]!.GetValue<bool>(),
            Variables = variables,
        };

        Assert.Equal(item["text"]!.GetValue<string>(), Qwen3.Value.Render(input));
    }

    [Fact]
    public void Render_SameTemplateFromManyThreads_GivesSameText()
    {
        var input = new ChatTemplateInput(Cases[4]!["messages"]!.DeepClone().AsArray())
        {
            Tools = Cases[4]!["tools"]!.DeepClone().AsArray(),
            AddGenerationPrompt = true,
        };
        var expected = Cases[4]!["text"]!.GetValue<string>();

        var results = new string[64];
        Parallel.For(0, results.Length, i => results[i] = Qwen3.Value.Render(input));

        Assert.All(results, r => Assert.Equal(expected, r));
    }
}
