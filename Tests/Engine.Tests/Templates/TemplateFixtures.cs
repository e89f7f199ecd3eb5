using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Templates.Jinja;
using DynamoOrleans.Engine.Templates.Jinja.Runtime;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Templates;

/// <summary>A clock pinned to one local instant, so strftime_now renders what make_references.py rendered.</summary>
internal sealed class FixedClock(DateTime local) : TimeProvider
{
    public static FixedClock ReferenceNow { get; } = new(new DateTime(2025, 3, 7, 14, 5, 9));

    public override DateTimeOffset GetUtcNow() => new(local, TimeSpan.Zero);

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}

/// <summary>Renders Jinja snippets directly with JSON variables, and finds the reference data make_references.py wrote.</summary>
internal static class TemplateFixtures
{
    public static string TemplatesFolder => Path.Combine(TestData.Root, "templates");

    public static string Render(string template, string variablesJson = "{}") =>
        Render(template, JsonNode.Parse(variablesJson)!.AsObject());

    public static string Render(string template, JsonObject variables)
    {
        var context = variables.Select(p => new KeyValuePair<string, object?>(p.Key, JsonConversion.ToValue(p.Value)));
        return Renderer.Render(Parser.Parse(template), context, FixedClock.ReferenceNow);
    }

    public static TemplateException RenderError(string template, string variablesJson = "{}") =>
        Assert.Throws<TemplateException>(() => Render(template, variablesJson));

    public static JsonObject LoadJson(string fileName) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TemplatesFolder, fileName)))!.AsObject();
}
