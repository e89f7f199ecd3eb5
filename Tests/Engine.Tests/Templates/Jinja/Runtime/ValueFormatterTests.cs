using DynamoOrleans.Engine.Templates.Jinja.Runtime;

namespace DynamoOrleans.Engine.Tests.Templates.Jinja.Runtime;

public sealed class ValueFormatterTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(1.5, "1.5")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e20, "1.5e+20")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.NegativeInfinity, "-inf")]
    public void FormatFloat_Value_MatchesPythonRepr(double value, string expected) =>
        Assert.Equal(expected, ValueFormatter.FormatFloat(value));

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("both ' and \"", "'both \\' and \"'")]
    [InlineData("a\nb\\", "'a\\nb\\\\'")]
    [InlineData("\u0001", "'\\x01'")]
    public void Repr_String_QuotesLikePython(string value, string expected) =>
        Assert.Equal(expected, ValueFormatter.Repr(value));

    [Fact]
    public void Str_Containers_UseReprOfItems()
    {
        var dict = Values.NewDict();
        dict["k"] = new List<object?> { 1L, "v", null, true, 2.0 };
        dict[3L] = new object?[] { "t" };

        Assert.Equal("{'k': [1, 'v', None, True, 2.0], 3: ('t',)}", ValueFormatter.Str(dict));
    }

    [Fact]
    public void Str_Undefined_IsEmpty() =>
        Assert.Equal("", ValueFormatter.Str(Undefined.Name("x")));
}
