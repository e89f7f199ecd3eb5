namespace DynamoOrleans.Engine.Tests.Templates.Jinja;

/// <summary>if, for, set, namespace, macro, call, filter, with and generation statements.</summary>
public sealed class StatementTests
{
    private static string Render(string template, string json = "{}") => TemplateFixtures.Render(template, json);

    [Theory]
    [InlineData(1, "one")]
    [InlineData(2, "two")]
    [InlineData(3, "many")]
    public void If_ElifElse_PicksFirstTrueBranch(int n, string expected) =>
        Assert.Equal(expected, Render("{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %}", $$"""{"n": {{n}}}"""));

    [Fact]
    public void For_LoopVariables_DescribePosition() =>
        Assert.Equal(
            "1|0|3|2|True|False|3;2|1|2|1|False|False|3;3|2|1|0|False|True|3;",
            Render("{% for x in 'abc' %}{{ loop.index }}|{{ loop.index0 }}|{{ loop.revindex }}|{{ loop.revindex0 }}|{{ loop.first }}|{{ loop.last }}|{{ loop.length }};{% endfor %}"));

    [Fact]
    public void For_PrevitemNextitem_UndefinedAtTheEdges() =>
        Assert.Equal("[|b][a|c][b|]", Render("{% for x in ['a', 'b', 'c'] %}[{{ loop.previtem }}|{{ loop.nextitem }}]{% endfor %}"));

    [Fact]
    public void For_EmptyWithElse_RendersElse() =>
        Assert.Equal("none", Render("{% for x in [] %}{{ x }}{% else %}none{% endfor %}"));

    [Fact]
    public void For_WithFilter_LoopCountsOnlyKeptItems() =>
        Assert.Equal("1/2:b 2/2:d ", Render("{% for x in ['a', 'b', 'c', 'd'] if x in 'bd' %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}"));

    [Fact]
    public void For_TupleUnpackingOverItems_KeepsInsertionOrder() =>
        Assert.Equal("z=1;a=2;", Render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", """{"d": {"z": 1, "a": 2}}"""));

    [Fact]
    public void For_BreakAndContinue_ControlTheLoop() =>
        Assert.Equal("13", Render("{% for n in [1, 2, 3, 4] %}{% if n == 2 %}{% continue %}{% endif %}{% if n == 4 %}{% break %}{% endif %}{{ n }}{% endfor %}"));

    [Fact]
    public void For_OverUndefined_RendersNothing() =>
        Assert.Equal("", Render("{% for x in missing %}{{ x }}{% endfor %}"));

    [Fact]
    public void For_OverNone_Throws() =>
        Assert.Equal("'NoneType' object is not iterable", TemplateFixtures.RenderError("{% for x in none %}{% endfor %}").Reason);

    [Fact]
    public void Set_InsideLoop_DoesNotLeakOutOrIntoNextIteration() =>
        Assert.Equal("[5][][]", Render("{% for i in [1, 2] %}{% if i == 1 %}{% set x = 5 %}{% endif %}[{{ x }}]{% endfor %}[{{ x }}]"));

    [Fact]
    public void Set_InsideIf_IsVisibleAfterwards() =>
        Assert.Equal("3", Render("{% if true %}{% set b = 3 %}{% endif %}{{ b }}"));

    [Fact]
    public void Set_OverridesAContextVariable() =>
        Assert.Equal("[2, 3]", Render("{% set xs = xs[1:] %}{{ xs }}", """{"xs": [1, 2, 3]}"""));

    [Fact]
    public void Set_TupleTarget_Unpacks() =>
        Assert.Equal("2-1", Render("{% set a, b = 1, 2 %}{{ b }}-{{ a }}"));

    [Fact]
    public void Set_Block_CapturesRenderedBodyThroughFilters() =>
        Assert.Equal("[HI THERE]", Render("{% set body | trim | upper %}  hi {{ 'there' }}  {% endset %}[{{ body }}]"));

    [Fact]
    public void Namespace_AttributeSetInLoop_SurvivesTheLoop() =>
        Assert.Equal("6 True", Render("{% set ns = namespace(total=0, seen=false) %}{% for x in [1, 2, 3] %}{% set ns.total = ns.total + x %}{% set ns.seen = true %}{% endfor %}{{ ns.total }} {{ ns.seen }}"));

    [Fact]
    public void Set_AttributeOfNonNamespace_Throws() =>
        Assert.Equal("cannot assign attribute on non-namespace object", TemplateFixtures.RenderError("{% set d = {} %}{% set d.a = 1 %}").Reason);

    [Fact]
    public void Macro_DefaultsAndKeywords_Bind() =>
        Assert.Equal("Hello, Ann! Yo, Cy!", Render("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet(greeting='Yo', name='Cy') }}"));

    [Fact]
    public void Macro_ExtraArguments_GoToVarargsAndKwargs() =>
        Assert.Equal("1(2, 3){'k': 'v'}", Render("{% macro m(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, k='v') }}"));

    [Fact]
    public void Macro_Recursive_CallsItself() =>
        Assert.Equal("3,2,1,", Render("{% macro down(n) %}{% if n > 0 %}{{ n }},{{ down(n - 1) }}{% endif %}{% endmacro %}{{ down(3) }}"));

    [Fact]
    public void CallBlock_Caller_RendersBodyWithArguments() =>
        Assert.Equal("<1><2>", Render("{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) each([1, 2]) %}<{{ x }}>{% endcall %}"));

    [Fact]
    public void FilterBlock_AppliesFilterToBody() =>
        Assert.Equal("LOUD 2", Render("{% filter upper %}loud {{ 1 + 1 }}{% endfilter %}"));

    [Fact]
    public void With_Assignments_AreScopedToTheBlock() =>
        Assert.Equal("3[]", Render("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"));

    [Fact]
    public void Generation_Block_RendersItsBody() =>
        Assert.Equal("<a>text</a>", Render("<a>{% generation %}text{% endgeneration %}</a>"));
}
