using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;

namespace DynamoOrleans.Engine.Tests.Templates;

/// <summary>
/// Every snippet in features.json (one per Jinja feature, rendered by Python jinja2 configured as
/// transformers configures it) renders to the same text here, or fails with the same reason.
/// </summary>
public sealed class FeatureConformanceTests
{
    private static readonly JsonObject Features = TemplateFixtures.LoadJson("features.json");

    /// <summary>
    /// Syntax errors are worded by each parser, and which pair a sort compares first depends on the
    /// sort algorithm; for these only the failure and its line must match.
    /// </summary>
    private static readonly HashSet<string> WordedDifferently = ["error_unclosed_if", "error_bad_expression", "error_unclosed_output", "error_sort_mixed_types"];

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var item in Features["cases"]!.AsArray())
            data.Add(item!["name"]!.GetValue<string>());
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Render_FeatureSnippet_MatchesPythonJinja(string name)
    {
        var item = Features["cases"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        var template = item["template"]!.GetValue<string>();
        var data = Features["data"]!.AsObject();
        if (item["text"] is { } text)
        {
            Assert.Equal(text.GetValue<string>(), TemplateFixtures.Render(template, data.DeepClone().AsObject()));
            return;
        }
        var error = Assert.Throws<TemplateException>(() => TemplateFixtures.Render(template, data.DeepClone().AsObject()));
        Assert.True(error.Line > 0, $"no line in: {error.Message}");
        if (!WordedDifferently.Contains(name))
            Assert.Equal(item["error"]!.GetValue<string>(), error.Reason);
    }
}
