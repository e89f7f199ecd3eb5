namespace DynamoOrleans.Engine.Tests.Templates.Jinja;

/// <summary>The filters chat templates use, with Jinja's argument names and Python's results.</summary>
public sealed class FilterTests
{
    private const string Data = """
        {"xs": [3, 1, 2], "words": ["b", "A", "c", "a"], "d": {"b": 2, "a": 1},
         "people": [{"name": "Ann", "age": 31}, {"name": "bob", "age": 25}, {"name": "Cy"}],
         "msgs": [{"role": "system", "content": "s"}, {"role": "user", "content": "u1"}, {"role": "user", "content": "u2"}]}
        """;

    private static string Render(string template) => TemplateFixtures.Render(template, Data);

    [Theory]
    [InlineData("{{ {'a': [1, 'x', none, true, 1.5]} | tojson }}", "{\"a\": [1, \"x\", null, true, 1.5]}")]
    [InlineData("{{ 'é\"\\n' | tojson }}", "\"é\\\"\\n\"")]
    [InlineData("{{ [1, {'b': []}] | tojson(indent=2) }}", "[\n  1,\n  {\n    \"b\": []\n  }\n]")]
    [InlineData("{{ {'b': 1, 'a': 'é'} | tojson(sort_keys=true, ensure_ascii=true) }}", "{\"a\": \"\\u00e9\", \"b\": 1}")]
    [InlineData("{{ [1, 2] | tojson(separators=(',', ':')) }}", "[1,2]")]
    [InlineData("{{ d | tojson }}", "{\"b\": 2, \"a\": 1}")]
    public void ToJson_MatchesPythonJsonDumps(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("[{{ '  x  ' | trim }}][{{ 'xxhixx' | trim('x') }}]", "[x][hi]")]
    [InlineData("{{ 'Ab' | upper }}{{ 'Ab' | lower }}", "ABab")]
    [InlineData("{{ 'hello wORLD-foo' | title }}|{{ \"it's\" | title }}", "Hello World-Foo|It's")]
    [InlineData("{{ 'hELLO' | capitalize }}", "Hello")]
    [InlineData("{{ 'aaa' | replace('a', 'b') }}{{ 'aaa' | replace('a', 'b', 2) }}", "bbbbba")]
    [InlineData("{{ 5 | string }}{{ none | string }}", "5None")]
    [InlineData("{{ '<a href=\"x\">&\\'' | e }}", "&lt;a href=&#34;x&#34;&gt;&amp;&#39;")]
    [InlineData("{{ '<b>' | safe }}", "<b>")]
    [InlineData("{{ 'one two  three' | wordcount }}", "3")]
    [InlineData("{{ '%s and %s' | format('a', 'b') }}", "a and b")]
    public void StringFilters_BehaveLikeJinja(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ 'a\\nb\\n\\nc' | indent }}", "a\n    b\n\n    c")]
    [InlineData("{{ 'a\\nb' | indent(2, true) }}", "  a\n  b")]
    [InlineData("{{ 'a\\n\\nb' | indent('--', blank=true) }}", "a\n--\n--b")]
    public void Indent_SkipsFirstAndBlankLinesByDefault(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ xs | length }}{{ 'héllo' | length }}{{ d | count }}{{ missing | length }}", "3520")]
    [InlineData("{{ xs | first }}{{ xs | last }}{{ 'abc' | first }}", "32a")]
    [InlineData("[{{ [] | first }}]", "[]")]
    [InlineData("{{ xs | join('-') }}|{{ xs | join }}|{{ people | join(', ', attribute='name') }}", "3-1-2|312|Ann, bob, Cy")]
    [InlineData("{{ xs | list }}{{ 'ab' | list }}{{ d | list }}", "[3, 1, 2]['a', 'b']['b', 'a']")]
    [InlineData("{{ xs | reverse | list }}{{ 'abc' | reverse }}", "[2, 1, 3]cba")]
    [InlineData("{{ d | items | list }}{{ missing | items | list }}", "[('b', 2), ('a', 1)][]")]
    [InlineData("{{ d | dictsort }}", "[('a', 1), ('b', 2)]")]
    [InlineData("{{ d | dictsort(by='value', reverse=true) }}", "[('b', 2), ('a', 1)]")]
    public void SequenceFilters_BehaveLikeJinja(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ words | sort }}", "['A', 'a', 'b', 'c']")]
    [InlineData("{{ words | sort(case_sensitive=true) }}", "['A', 'a', 'b', 'c']")]
    [InlineData("{{ xs | sort(reverse=true) }}", "[3, 2, 1]")]
    [InlineData("{{ people | sort(attribute='name') | map(attribute='name') | join(',') }}", "Ann,bob,Cy")]
    [InlineData("{{ words | unique | list }}", "['b', 'A', 'c']")]
    [InlineData("{{ words | unique(case_sensitive=true) | list }}", "['b', 'A', 'c', 'a']")]
    public void SortAndUnique_AreCaseInsensitiveByDefault(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ people | map(attribute='name') | list }}", "['Ann', 'bob', 'Cy']")]
    [InlineData("{{ people | map(attribute='age', default=0) | list }}", "[31, 25, 0]")]
    [InlineData("{{ ['a', 'B'] | map('upper') | list }}", "['A', 'B']")]
    [InlineData("{{ [1, 2, 3, 4] | select('odd') | list }}{{ [1, 2, 3, 4] | reject('odd') | list }}", "[1, 3][2, 4]")]
    [InlineData("{{ [0, 1, '', 'a'] | select | list }}", "[1, 'a']")]
    [InlineData("{{ [1, 5, 10] | select('divisibleby', 5) | list }}", "[5, 10]")]
    [InlineData("{{ msgs | selectattr('role', 'equalto', 'user') | list | length }}", "2")]
    [InlineData("{{ (msgs | selectattr('role', 'equalto', 'user') | list)[-1].content }}", "u2")]
    [InlineData("{{ msgs | rejectattr('role', 'equalto', 'user') | map(attribute='content') | join }}", "s")]
    [InlineData("{{ people | selectattr('age') | map(attribute='name') | join(',') }}", "Ann,bob")]
    [InlineData("{{ people | selectattr('age', 'undefined') | map(attribute='name') | join }}", "Cy")]
    public void MapSelectReject_ApplyAttributesAndTests(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ missing | default('d') }}{{ missing | d('s') }}", "ds")]
    [InlineData("{{ none | default('x') }}", "None")]
    [InlineData("{{ '' | default('e', true) }}{{ 0 | default('z') }}", "e0")]
    public void Default_ReplacesOnlyUndefinedUnlessBoolean(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ '42' | int }}{{ '3.7' | int }}{{ 'x' | int }}{{ 'x' | int(7) }}{{ 3.9 | int }}", "423073")]
    [InlineData("{{ '2.5' | float }}{{ 'q' | float }}{{ 3 | float }}", "2.50.03.0")]
    [InlineData("{{ -3 | abs }}{{ -2.5 | abs }}", "32.5")]
    [InlineData("{{ 2.567 | round(2) }}{{ 2.5 | round }}{{ 3.5 | round }}{{ 7 | round }}", "2.572.04.07")]
    [InlineData("{{ 2.1 | round(0, 'ceil') }}{{ 2.9 | round(method='floor') }}", "3.02.0")]
    [InlineData("{{ [1, 2, 3] | sum }}{{ people[:2] | sum(attribute='age') }}{{ xs | min }}{{ xs | max }}", "65613")]
    [InlineData("{{ [1, 2, 3] | batch(2, 'x') | list }}", "[[1, 2], [3, 'x']]")]
    public void NumberFilters_ConvertAndRound(string template, string expected) =>
        Assert.Equal(expected, Render(template));

    [Fact]
    public void ToJson_Undefined_Throws() =>
        Assert.Equal("Object of type Undefined is not JSON serializable", TemplateFixtures.RenderError("{{ missing | tojson }}").Reason);

    [Fact]
    public void UnknownFilter_Throws() =>
        Assert.Equal("No filter named 'nope'.", TemplateFixtures.RenderError("{{ 1 | nope }}").Reason);
}
