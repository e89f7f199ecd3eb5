namespace DynamoOrleans.Engine.Tests.Templates.Jinja;

/// <summary>Literals, operators, access, slicing, calls and Undefined, with Python's semantics.</summary>
public sealed class ExpressionTests
{
    private static string Render(string template, string json = "{}") => TemplateFixtures.Render(template, json);

    [Theory]
    [InlineData("{{ 1 + 2 * 3 }}", "7")]
    [InlineData("{{ (1 + 2) * 3 }}", "9")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }}", "3 -4")]
    [InlineData("{{ 7 % 3 }} {{ -7 % 3 }}", "1 2")]
    [InlineData("{{ 7 / 2 }} {{ 4 / 2 }}", "3.5 2.0")]
    [InlineData("{{ 2 ** 10 }}", "1024")]
    [InlineData("{{ 0.1 + 0.2 }}", "0.30000000000000004")]
    [InlineData("{{ true + 1 }}", "2")]
    [InlineData("{{ 'ab' * 2 }}", "abab")]
    [InlineData("{{ [1] + [2] }}", "[1, 2]")]
    [InlineData("{{ '%s=%d' % ('n', 5) }}", "n=5")]
    [InlineData("{{ -3 }} {{ +3 }} {{ -(1 + 2) }}", "-3 3 -3")]
    public void Arithmetic_FollowsPython(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ 1 < 2 }}{{ 2 <= 1 }}{{ 1 == 1.0 }}{{ 'a' != 'b' }}", "TrueFalseTrueTrue")]
    [InlineData("{{ 1 < 2 < 3 }}{{ 1 < 3 < 2 }}", "TrueFalse")]
    [InlineData("{{ [1, 2] < [1, 3] }}{{ 'B' < 'a' }}", "TrueTrue")]
    [InlineData("{{ {'a': [1]} == {'a': [1]} }}{{ 1 == '1' }}", "TrueFalse")]
    [InlineData("{{ missing == none }}{{ missing == missing2 }}", "FalseTrue")]
    public void Comparison_FollowsPython(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ true and 'x' }}", "x")]
    [InlineData("{{ 0 or 'y' }}", "y")]
    [InlineData("{{ not none }}", "True")]
    [InlineData("{{ not 1 == 2 }}", "True")]
    [InlineData("{{ [] or {} }}", "{}")]
    public void Logic_ReturnsDecidingOperand(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ 'ell' in 'hello' }}", "True")]
    [InlineData("{{ 2 in [1, 2] }}", "True")]
    [InlineData("{{ 'k' in d }}", "True")]
    [InlineData("{{ 'v' in d }}", "False")]
    [InlineData("{{ 'q' not in d }}", "True")]
    [InlineData("{{ 'x' in missing }}", "False")]
    public void In_TestsMembership(string template, string expected) =>
        Assert.Equal(expected, Render(template, """{"d": {"k": "v"}}"""));

    [Fact]
    public void In_NoneContainer_Throws() =>
        Assert.Equal("argument of type 'NoneType' is not iterable", TemplateFixtures.RenderError("{{ 'x' in none }}").Reason);

    [Theory]
    [InlineData("{{ 'yes' if t else 'no' }}", "yes")]
    [InlineData("{{ 'yes' if not t else 'no' }}", "no")]
    [InlineData("[{{ 'yes' if not t }}]", "[]")]
    [InlineData("{{ 'a' if false else 'b' if true else 'c' }}", "b")]
    public void Conditional_PicksBranch(string template, string expected) =>
        Assert.Equal(expected, Render(template, """{"t": true}"""));

    [Fact]
    public void Concat_ConvertsOperandsToStrings() =>
        Assert.Equal("n=3TrueNone", Render("{{ 'n=' ~ 3 ~ true ~ none ~ missing }}"));

    [Fact]
    public void Filter_BindsTighterThanPlus() =>
        Assert.Equal("abc", Render("{{ 'a' + ' b ' | trim + 'c' }}"));

    [Theory]
    [InlineData("{{ xs[0] }}{{ xs[-1] }}", "13")]
    [InlineData("{{ xs[1:] }}", "[2, 3]")]
    [InlineData("{{ xs[::-1] }}", "[3, 2, 1]")]
    [InlineData("{{ xs[::2] }}", "[1, 3]")]
    [InlineData("{{ xs[-1:0:-1] }}", "[3, 2]")]
    [InlineData("{{ xs[10:] }}", "[]")]
    [InlineData("{{ 'hello'[1:3] }}{{ 'abc'[::-1] }}{{ 'abc'[-1] }}", "elcbac")]
    [InlineData("{{ ('a', 'b')[1] }}", "b")]
    public void Subscript_IndexesAndSlicesLikePython(string template, string expected) =>
        Assert.Equal(expected, Render(template, """{"xs": [1, 2, 3]}"""));

    [Theory]
    [InlineData("{{ m.role }}{{ m['role'] }}", "useruser")]
    [InlineData("{{ m.nested.list[1] }}{{ m.nested.list.0 }}", "ba")]
    [InlineData("[{{ m.missing }}][{{ m.missing is defined }}]", "[][False]")]
    [InlineData("[{{ m.role.missing }}][{{ none.x }}]", "[][]")]
    [InlineData("{{ m['items'] }}|{{ m.items() | length }}", "key|4")]
    public void Access_AttributeThenItem(string template, string expected) =>
        Assert.Equal(expected, Render(template, """{"m": {"role": "user", "nested": {"list": ["a", "b"]}, "items": "key", "x": 1}}"""));

    [Fact]
    public void Access_AttributeOfUndefined_ThrowsLikeJinja() =>
        Assert.Equal("'missing' is undefined", TemplateFixtures.RenderError("{{ missing.attr }}").Reason);

    [Theory]
    [InlineData("{{ [1, 'a', none, true] }}", "[1, 'a', None, True]")]
    [InlineData("{{ {'k': 1, 2: 'two'} }}", "{'k': 1, 2: 'two'}")]
    [InlineData("{{ (1,) }}{{ () }}{{ (1, 2) }}", "(1,)()(1, 2)")]
    [InlineData("{{ \"it's\" }} {{ [\"it's\"] }}", "it's [\"it's\"]")]
    [InlineData("{{ 'a' 'b' }}", "ab")]
    [InlineData("{{ True }}{{ False }}{{ None }}", "TrueFalseNone")]
    public void Literals_PrintAsPythonStr(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ '  x  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\\n\\nx'.lstrip('\\n') }}|{{ 'x  '.rstrip() }}", "x|hi|x|x")]
    [InlineData("{{ 'a<b>c'.split('<b>') }}{{ ' a  b '.split() }}{{ 'a,b,c'.split(',', 1) }}", "['a', 'c']['a', 'b']['a', 'b,c']")]
    [InlineData("{{ 'r</think>a'.split('</think>')[-1] }}", "a")]
    [InlineData("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}", "TrueTrue")]
    [InlineData("{{ 'a-b'.replace('-', '+') }}{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}{{ \"they're\".title() }}", "a+bABabThey'Re")]
    [InlineData("{{ '{} {x}'.format(1, x=2) }}{{ ', '.join(['a', 'b']) }}", "1 2a, b")]
    public void StringMethods_BehaveLikePython(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Fact]
    public void DictMethods_ItemsKeysValuesGet() =>
        Assert.Equal(
            "[('b', 1), ('a', 2)]['b', 'a'][1, 2]1dfltNone",
            Render("{{ d.items() | list }}{{ d.keys() | list }}{{ d.values() | list }}{{ d.get('b') }}{{ d.get('z', 'dflt') }}{{ d.get('z') }}", """{"d": {"b": 1, "a": 2}}"""));

    [Fact]
    public void ListAppend_IsRefusedByTheImmutableSandbox() =>
        Assert.Equal("access to attribute 'append' of 'list' object is unsafe.", TemplateFixtures.RenderError("{% set l = [] %}{{ l.append(1) }}").Reason);

    [Fact]
    public void ListAppend_NotCalled_IsAnUndefinedThatPrintsEmpty() =>
        Assert.Equal("[]False", Render("[{{ xs.append }}]{{ xs.append is defined }}", """{"xs": []}"""));

    [Theory]
    [InlineData("{{ range(3) | list }}", "[0, 1, 2]")]
    [InlineData("{{ range(1, 8, 3) | list }}", "[1, 4, 7]")]
    [InlineData("{{ range(3, 0, -1) | list }}", "[3, 2, 1]")]
    [InlineData("{{ dict(a=1, b='x') }}", "{'a': 1, 'b': 'x'}")]
    [InlineData("{{ namespace(a=1).a }}", "1")]
    public void Globals_RangeDictNamespace(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Fact]
    public void StrftimeNow_UsesTheRendererClock() =>
        Assert.Equal("07 Mar 2025 14:05", Render("{{ strftime_now('%d %b %Y %H:%M') }}"));

    [Fact]
    public void RaiseException_ThrowsWithTheMessage() =>
        Assert.Equal("roles must alternate", TemplateFixtures.RenderError("{{ raise_exception('roles must alternate') }}").Reason);

    [Theory]
    [InlineData("{{ missing + 1 }}", "'missing' is undefined")]
    [InlineData("{{ missing() }}", "'missing' is undefined")]
    [InlineData("{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str")]
    [InlineData("{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'")]
    [InlineData("{{ 1 // 0 }}", "integer division or modulo by zero")]
    public void Operators_OnBadOperands_Throw(string template, string reason) =>
        Assert.Equal(reason, TemplateFixtures.RenderError(template).Reason);

    [Theory]
    [InlineData("[{{ missing }}]", "[]")]
    [InlineData("{{ missing | length }}", "0")]
    [InlineData("{{ missing is defined }}{{ missing is undefined }}", "FalseTrue")]
    [InlineData("{% if missing %}y{% else %}n{% endif %}", "n")]
    public void Undefined_PrintsEmptyAndIsFalsy(string template, string expected) =>
        Assert.Equal(expected, Render(template));
}
