using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Templates.Jinja.Runtime;

namespace DynamoOrleans.Engine.Tests.Templates.Jinja.Runtime;

public sealed class PythonJsonTests
{
    private static readonly PythonJson.Options Compact = new(null, ", ", ": ", SortKeys: false, EnsureAscii: false);

    private static object Sample()
    {
        var inner = Values.NewDict();
        inner["z"] = 1L;
        inner["a"] = new List<object?> { "é", null, false, 0.5 };
        var outer = Values.NewDict();
        outer["b"] = inner;
        outer["a"] = new List<object?>();
        return outer;
    }

    [Fact]
    public void Dumps_Defaults_UsesSpacedSeparatorsAndInsertionOrder() =>
        Assert.Equal("{\"b\": {\"z\": 1, \"a\": [\"é\", null, false, 0.5]}, \"a\": []}", PythonJson.Dumps(Sample(), Compact));

    [Fact]
    public void Dumps_Indent_UsesCommaWithoutSpaceAndKeepsEmptyContainersInline() =>
        Assert.Equal(
            "{\n  \"b\": {\n    \"z\": 1,\n    \"a\": [\n      \"é\",\n      null,\n      false,\n      0.5\n    ]\n  },\n  \"a\": []\n}",
            PythonJson.Dumps(Sample(), new PythonJson.Options("  ", ",", ": ", SortKeys: false, EnsureAscii: false)));

    [Fact]
    public void Dumps_SortKeysAndEnsureAscii_SortsAndEscapes() =>
        Assert.Equal(
            "{\"a\": [], \"b\": {\"a\": [\"\\u00e9\", null, false, 0.5], \"z\": 1}}",
            PythonJson.Dumps(Sample(), Compact with { SortKeys = true, EnsureAscii = true }));

    [Theory]
    [InlineData("q\"b\\", "\"q\\\"b\\\\\"")]
    [InlineData("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"")]
    [InlineData("\u0001\u001f", "\"\\u0001\\u001f\"")]
    [InlineData("😀", "\"😀\"")]
    public void Dumps_String_EscapesLikePython(string value, string expected) =>
        Assert.Equal(expected, PythonJson.Dumps(value, Compact));

    [Fact]
    public void Dumps_AstralCodePointWithEnsureAscii_WritesSurrogatePair() =>
        Assert.Equal("\"\\ud83d\\ude00\"", PythonJson.Dumps("😀", Compact with { EnsureAscii = true }));

    [Fact]
    public void Dumps_NonStringKeys_AreConvertedLikePython()
    {
        var dict = Values.NewDict();
        dict[1L] = "int";
        dict[true] = "bool";

        // 1 and True are the same Python key: the second assignment replaces the value and keeps the first key.
        Assert.Equal("{\"1\": \"bool\"}", PythonJson.Dumps(dict, Compact));
    }

    [Fact]
    public void Dumps_Namespace_Throws() =>
        Assert.Throws<TemplateException>(() => PythonJson.Dumps(new Namespace(), Compact));
}
