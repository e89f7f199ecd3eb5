using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;

namespace DynamoOrleans.Engine.Tests.Templates;

/// <summary>The public API: what the template sees as variables, and how a model folder's template is found.</summary>
public sealed class ChatTemplateTests : IDisposable
{
    private const string Echo = "{{ bos_token }}|{{ eos_token }}|{{ tools }}|{{ documents }}|{{ add_generation_prompt }}|{{ messages | length }}|{{ bos_token is defined }}";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "chat-template-tests-" + Guid.NewGuid().ToString("N"));

    public ChatTemplateTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ChatTemplateInput Input(string messages = """[{"role": "user", "content": "hi"}]""") =>
        new(JsonNode.Parse(messages)!.AsArray());

    [Fact]
    public void Render_NoTokensNoTools_ToolsIsNoneAndBosUndefined() =>
        Assert.Equal("||None|None|False|1|False", ChatTemplate.Parse(Echo).Render(Input()));

    [Fact]
    public void Render_WithTokensAndPrompt_PassesThemThrough() =>
        Assert.Equal("<s>|</s>|None|None|True|1|True", ChatTemplate.Parse(Echo, "<s>", "</s>").Render(Input() with { AddGenerationPrompt = true }));

    [Fact]
    public void Render_Tools_AreJsonValues()
    {
        var input = Input() with { Tools = JsonNode.Parse("""[{"type": "function", "function": {"name": "f", "parameters": {}}}]""")!.AsArray() };

        Assert.Equal("f {\"name\": \"f\", \"parameters\": {}}", ChatTemplate.Parse("{{ tools[0].function.name }} {{ tools[0].function | tojson }}").Render(input));
    }

    [Fact]
    public void Render_Variables_AreDefinedWithTheirJsonValues()
    {
        var input = Input() with
        {
            Variables = new Dictionary<string, JsonNode?> { ["enable_thinking"] = false, ["n"] = 2.0, ["none"] = null },
        };

        Assert.Equal("False|2.0|True|None", ChatTemplate.Parse("{{ enable_thinking }}|{{ n }}|{{ none is defined }}|{{ none }}").Render(input));
    }

    [Fact]
    public void Render_JsonNumbers_KeepIntegerOrFloatLikeJsonLoads() =>
        Assert.Equal("1 1.0 1e+20", ChatTemplate.Parse("{{ messages[0].a }} {{ messages[0].b }} {{ messages[0].c }}").Render(Input("""[{"a": 1, "b": 1.0, "c": 1e20}]""")));

    [Fact]
    public void Render_StrftimeNow_UsesTheGivenClock() =>
        Assert.Equal("07 Mar 2025", ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}").Render(Input(), FixedClock.ReferenceNow));

    [Fact]
    public void Parse_SyntaxError_ThrowsBeforeRendering()
    {
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("ok\n{% if %}"));

        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void FromDirectory_JinjaFile_WinsOverTokenizerConfig()
    {
        File.WriteAllText(Path.Combine(_dir, "chat_template.jinja"), "from file {{ eos_token }}");
        WriteConfig("""{"chat_template": "from config", "eos_token": "</s>"}""");

        Assert.Equal("from file </s>", ChatTemplate.FromDirectory(_dir).Render(Input()));
    }

    [Fact]
    public void FromDirectory_ConfigString_ReadsTemplateAndAddedTokenObjects()
    {
        WriteConfig("""{"chat_template": "{{ bos_token }}{{ eos_token }}", "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>"}""");

        var template = ChatTemplate.FromDirectory(_dir);

        Assert.Equal("<s>", template.BosToken);
        Assert.Equal("<s></s>", template.Render(Input()));
        Assert.Empty(template.Named);
    }

    [Fact]
    public void FromDirectory_NamedTemplates_DefaultRendersAndToolUseIsPickedWithTools()
    {
        WriteConfig("""{"chat_template": [{"name": "default", "template": "plain"}, {"name": "tool_use", "template": "tools: {{ tools | length }}"}]}""");

        var template = ChatTemplate.FromDirectory(_dir);

        Assert.Equal("plain", template.Render(Input()));
        Assert.Equal("tools: 0", template.Render(Input() with { Tools = [] }));
        Assert.Equal(["default", "tool_use"], template.Named.Keys.Order());
        Assert.Equal("tools: 0", template.Named["tool_use"].Render(Input() with { Tools = [] }));
    }

    [Fact]
    public void FromDirectory_NamedTemplatesWithoutDefault_Throws()
    {
        WriteConfig("""{"chat_template": [{"name": "tool_use", "template": "x"}]}""");

        Assert.Throws<TemplateException>(() => ChatTemplate.FromDirectory(_dir));
    }

    [Fact]
    public void FromDirectory_NoTemplate_Throws()
    {
        WriteConfig("""{"eos_token": "</s>"}""");

        Assert.Contains("no chat template", Assert.Throws<TemplateException>(() => ChatTemplate.FromDirectory(_dir)).Message);
    }

    [Fact]
    public void FromDirectory_AdditionalTemplatesFolder_AddsNamedTemplates()
    {
        File.WriteAllText(Path.Combine(_dir, "chat_template.jinja"), "main");
        Directory.CreateDirectory(Path.Combine(_dir, "additional_chat_templates"));
        File.WriteAllText(Path.Combine(_dir, "additional_chat_templates", "rag.jinja"), "rag");

        Assert.Equal("rag", ChatTemplate.FromDirectory(_dir).Named["rag"].Render(Input()));
    }

    private void WriteConfig(string json) => File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), json);
}
