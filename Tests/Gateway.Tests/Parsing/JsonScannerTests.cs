using System.Text.Json;
using DynamoOrleans.Gateway.Parsing;

namespace DynamoOrleans.Gateway.Tests.Parsing;

public sealed class JsonScannerTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("{\"a\":[1,-0,0.5,1e9,-2.5E-3,true,false,null,\"\\u00e9\\n\"]}")]
    [InlineData(" { \"a\" : { \"b\" : [ ] } } ")]
    [InlineData("[[],{},\"\"]")]
    [InlineData("{\"a\":1,}")]
    [InlineData("{\"a\":01}")]
    [InlineData("{\"a\":1.}")]
    [InlineData("{\"a\":tru}")]
    [InlineData("{\"a\":\"\\x\"}")]
    [InlineData("{\"a\" 1}")]
    [InlineData("{\"a\":1]")]
    [InlineData("[1,]")]
    [InlineData("{a:1}")]
    [InlineData("{\"a\":-}")]
    [InlineData("{\"a\":\"\\u12g4\"}")]
    [InlineData("{} {}")]
    public void Feed_AgreesWithJsonDocument(string json)
    {
        var scanner = new JsonScanner();
        var valid = true;
        foreach (var c in json)
            if (scanner.Feed(c) == JsonChar.Invalid) { valid = false; break; }
        valid &= scanner.IsComplete;
        Assert.Equal(IsValid(json), valid);
    }

    [Fact]
    public void Feed_WhitespaceBetweenTokensOnly()
    {
        var scanner = new JsonScanner();
        var kept = string.Concat("{ \"a b\" :\n[ 1 , 2 ] }".Where(c => scanner.Feed(c) == JsonChar.Token));
        Assert.Equal("{\"a b\":[1,2]}", kept);
    }

    private static bool IsValid(string json)
    {
        try
        {
            using var _ = JsonDocument.Parse(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
