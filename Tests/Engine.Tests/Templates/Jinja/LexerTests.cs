using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Templates.Jinja;

namespace DynamoOrleans.Engine.Tests.Templates.Jinja;

/// <summary>Whitespace handling as transformers configures Jinja: trim_blocks, lstrip_blocks, -/+ markers.</summary>
public sealed class LexerTests
{
    [Theory]
    [InlineData("{% if true %}\nx{% endif %}", "x")]
    [InlineData("{# note #}\nx", "x")]
    [InlineData("{{ 'a' }}\nx", "a\nx")]
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]
    public void Render_TrimBlocks_DropsOnlyTheNewlineAfterBlockTags(string template, string expected) =>
        Assert.Equal(expected, TemplateFixtures.Render(template));

    [Theory]
    [InlineData("a\n    {% if true %}b{% endif %}", "a\nb")]
    [InlineData("  \t{% if true %}b{% endif %}", "b")]
    [InlineData("a\n  {# c #}\nb", "a\nb")]
    [InlineData("a\n    {%+ if true %}b{% endif %}", "a\n    b")]
    [InlineData("a\n  {{ 'x' }}", "a\n  x")]
    [InlineData("a  {% if true %}b{% endif %}", "a  b")]
    public void Render_LstripBlocks_RemovesIndentOnlyBeforeBlockTagsStartingALine(string template, string expected) =>
        Assert.Equal(expected, TemplateFixtures.Render(template));

    [Theory]
    [InlineData("a \n\t {{- 'b' -}} \n c", "abc")]
    [InlineData("a\n\n{%- if true -%}\n\n b {%- endif %}", "ab")]
    [InlineData("a  {#- c -#}  b", "ab")]
    public void Render_MinusMarker_StripsAllAdjacentWhitespace(string template, string expected) =>
        Assert.Equal(expected, TemplateFixtures.Render(template));

    [Theory]
    [InlineData("line\n", "line")]
    [InlineData("line\n\n", "line\n")]
    [InlineData("a\r\nb\rc", "a\nb\nc")]
    public void Render_Newlines_NormalizedAndOneTrailingNewlineDropped(string template, string expected) =>
        Assert.Equal(expected, TemplateFixtures.Render(template));

    [Fact]
    public void Render_RawBlock_KeepsTagsAsText() =>
        Assert.Equal("{{ x }}{% if %}", TemplateFixtures.Render("{% raw %}{{ x }}{% if %}{% endraw %}"));

    [Fact]
    public void Render_DictLiteralInsideOutput_DoesNotEndTheTagEarly() =>
        Assert.Equal("1", TemplateFixtures.Render("{{ {'a': {'b': 1}}['a']['b'] }}"));

    [Theory]
    [InlineData(@"'a\nb'", "a\nb")]
    [InlineData(@"'tab\there'", "tab\there")]
    [InlineData(@"'\u00e9\x41'", "éA")]
    [InlineData(@"'it\'s'", "it's")]
    [InlineData(@"""say \""hi\""""", "say \"hi\"")]
    [InlineData(@"'keep \d'", @"keep \d")]
    public void Tokenize_StringLiteral_DecodesPythonEscapes(string literal, string expected)
    {
        var tokens = Lexer.Tokenize("{{ " + literal + " }}");

        var token = Assert.Single(tokens, t => t.Kind == TokenKind.String);
        Assert.Equal(expected, token.Literal);
    }

    [Fact]
    public void Tokenize_MultilineTemplate_TracksLinesOfTokens()
    {
        var tokens = Lexer.Tokenize("a\nb\n{{ x\n + y }}");

        Assert.Equal(3, tokens.Single(t => t.Value == "x").Line);
        Assert.Equal(4, tokens.Single(t => t.Value == "y").Line);
    }

    [Theory]
    [InlineData("{{ 42 }}", true, 42L)]
    [InlineData("{{ 1_000 }}", true, 1000L)]
    [InlineData("{{ 2.5 }}", false, 2.5)]
    [InlineData("{{ 1e3 }}", false, 1000.0)]
    public void Tokenize_Number_ParsesIntegerOrFloat(string template, bool isInteger, object value)
    {
        var token = Lexer.Tokenize(template).Single(t => t.Kind is TokenKind.Integer or TokenKind.Float);

        Assert.Equal(isInteger ? TokenKind.Integer : TokenKind.Float, token.Kind);
        Assert.Equal(value, token.Literal);
    }

    [Fact]
    public void Tokenize_UnclosedComment_ThrowsWithLine()
    {
        var error = Assert.Throws<TemplateException>(() => Lexer.Tokenize("a\n{# never closed"));

        Assert.Equal(2, error.Line);
    }
}
