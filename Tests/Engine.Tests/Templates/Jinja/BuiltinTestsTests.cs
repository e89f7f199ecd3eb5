namespace DynamoOrleans.Engine.Tests.Templates.Jinja;

/// <summary>Jinja tests (<c>is defined</c>, <c>is string</c>, ...) with Python's type rules.</summary>
public sealed class BuiltinTestsTests
{
    private const string Data = """{"s": "x", "i": 1, "f": 1.5, "b": true, "n": null, "l": [1], "d": {"k": 1}}""";

    [Theory]
    [InlineData("defined", "s", true)]
    [InlineData("defined", "missing", false)]
    [InlineData("undefined", "missing", true)]
    [InlineData("none", "n", true)]
    [InlineData("none", "missing", false)]
    [InlineData("string", "s", true)]
    [InlineData("string", "i", false)]
    [InlineData("number", "i", true)]
    [InlineData("number", "f", true)]
    [InlineData("number", "b", true)]
    [InlineData("number", "s", false)]
    [InlineData("integer", "i", true)]
    [InlineData("integer", "b", false)]
    [InlineData("integer", "f", false)]
    [InlineData("float", "f", true)]
    [InlineData("boolean", "b", true)]
    [InlineData("boolean", "i", false)]
    [InlineData("true", "b", true)]
    [InlineData("false", "b", false)]
    [InlineData("mapping", "d", true)]
    [InlineData("mapping", "l", false)]
    [InlineData("iterable", "l", true)]
    [InlineData("iterable", "s", true)]
    [InlineData("iterable", "d", true)]
    [InlineData("iterable", "i", false)]
    [InlineData("sequence", "l", true)]
    [InlineData("sequence", "s", true)]
    [InlineData("sequence", "i", false)]
    [InlineData("callable", "range", true)]
    [InlineData("callable", "s", false)]
    public void Is_TypeTest_MatchesPython(string test, string variable, bool expected)
    {
        Assert.Equal(expected.ToString(), TemplateFixtures.Render($"{{{{ {variable} is {test} }}}}", Data));
        Assert.Equal((!expected).ToString(), TemplateFixtures.Render($"{{{{ {variable} is not {test} }}}}", Data));
    }

    [Theory]
    [InlineData("{{ 3 is odd }}{{ 3 is even }}{{ 4 is even }}", "TrueFalseTrue")]
    [InlineData("{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}", "TrueFalse")]
    [InlineData("{{ 'a' is equalto 'a' }}{{ 1 is eq 2 }}{{ 2 is ne 1 }}", "TrueFalseTrue")]
    [InlineData("{{ 2 is in [1, 2] }}{{ 'x' is in 'xyz' }}{{ 5 is in [] }}", "TrueTrueFalse")]
    [InlineData("{{ 3 is gt 2 }}{{ 3 is lt 2 }}{{ 3 is ge 3 }}{{ 3 is le 2 }}", "TrueFalseTrueFalse")]
    [InlineData("{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ l is sameas l }}", "TrueTrueTrue")]
    public void Is_ValueTest_MatchesJinja(string template, string expected) =>
        Assert.Equal(expected, TemplateFixtures.Render(template, Data));

    [Fact]
    public void Is_DefinedOnMissingAttribute_IsFalse() =>
        Assert.Equal("False", TemplateFixtures.Render("{{ d.nope is defined }}", Data));

    [Fact]
    public void Is_UnknownTest_Throws() =>
        Assert.Equal("No test named 'frob'.", TemplateFixtures.RenderError("{{ 1 is frob }}").Reason);
}
