using DynamoOrleans.Engine.Templates;

namespace DynamoOrleans.Engine.Tests.Templates;

/// <summary>A failing template says on which line and what is wrong.</summary>
public sealed class ErrorLineTests
{
    [Fact]
    public void RaiseException_InsideLoop_ReportsItsLineAndMessage()
    {
        const string template = "{% for m in messages %}\n  {% if m.role == 'tool' %}\n    {{ raise_exception('tools are not supported') }}\n  {% endif %}\n{% endfor %}";
        var input = new ChatTemplateInput([new System.Text.Json.Nodes.JsonObject { ["role"] = "tool" }]);

        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template).Render(input));

        Assert.Equal(3, error.Line);
        Assert.Equal("tools are not supported", error.Reason);
        Assert.Equal("chat template line 3: tools are not supported", error.Message);
    }

    [Theory]
    [InlineData("a\nb\n{{ missing.attr }}", 3, "'missing' is undefined")]
    [InlineData("{% set x = 'a' %}\n\n{{ x + 1 }}", 3, "can only concatenate str (not \"int\") to str")]
    [InlineData("{% if true %}\n{% for x in [1] %}\n{{ x | nope }}\n{% endfor %}\n{% endif %}", 3, "No filter named 'nope'.")]
    [InlineData("{{ 'x' if\n  true else\n  1 / 0 }}", 1, null)]
    [InlineData("{{ [1, 2]\n  | map(attribute='a')\n  | first\n  | tojson }}", 4, "Object of type Undefined is not JSON serializable")]
    public void Render_RuntimeError_ReportsLineOfFailingExpression(string template, int line, string? reason)
    {
        if (reason is null)
        {
            Assert.Equal("x", TemplateFixtures.Render(template));
            return;
        }
        var error = TemplateFixtures.RenderError(template);

        Assert.Equal(line, error.Line);
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void Render_RunawayMacroRecursion_ThrowsInsteadOfOverflowingTheStack()
    {
        var error = TemplateFixtures.RenderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}");

        Assert.Contains("maximum recursion depth exceeded", error.Reason);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void Render_IntegerOverflow_IsATemplateErrorOnItsLine() =>
        Assert.Equal(2, TemplateFixtures.RenderError("a\n{{ 10 ** 40 }}").Line);

    [Theory]
    [InlineData("ok\n{% if true %}\nnever closed", 3)]
    [InlineData("ok\n{% endfor %}", 2)]
    [InlineData("a\n\n{% frobnicate %}", 3)]
    [InlineData("{{ 1 +\n }}", 2)]
    [InlineData("a\n{{ 'unterminated }}", 2)]
    [InlineData("{% for x in %}{% endfor %}", 1)]
    [InlineData("{% set %}", 1)]
    [InlineData("{{ f(a=1, 2) }}", 1)]
    public void Parse_SyntaxError_ReportsLine(string template, int line)
    {
        var error = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));

        Assert.Equal(line, error.Line);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
    }
}
