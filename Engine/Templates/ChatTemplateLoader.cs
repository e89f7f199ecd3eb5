using System.Text.Json.Nodes;

namespace DynamoOrleans.Engine.Templates;

/// <summary>
/// Finds a model folder's chat template where transformers looks: chat_template.jinja (with
/// additional_chat_templates/*.jinja as named ones), chat_template.json, then tokenizer_config.json's
/// "chat_template" (a string, or a list of {name, template}). Special tokens come from tokenizer_config.json.
/// </summary>
internal static class ChatTemplateLoader
{
    private const string DefaultName = "default";

    public static ChatTemplate Load(string modelDir)
    {
        var config = ReadJson(Path.Combine(modelDir, "tokenizer_config.json")) as JsonObject;
        var bos = TokenText(config?["bos_token"]);
        var eos = TokenText(config?["eos_token"]);

        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        string? main = null;
        var jinjaFile = Path.Combine(modelDir, "chat_template.jinja");
        if (File.Exists(jinjaFile))
        {
            main = File.ReadAllText(jinjaFile);
            var extra = Path.Combine(modelDir, "additional_chat_templates");
            if (Directory.Exists(extra))
            {
                foreach (var file in Directory.EnumerateFiles(extra, "*.jinja").Order(StringComparer.Ordinal))
                    named[Path.GetFileNameWithoutExtension(file)] = File.ReadAllText(file);
            }
        }
        else if (ReadJson(Path.Combine(modelDir, "chat_template.json"))?["chat_template"] is JsonValue jsonTemplate)
        {
            main = jsonTemplate.GetValue<string>();
        }
        else
        {
            switch (config?["chat_template"])
            {
                case JsonValue single:
                    main = single.GetValue<string>();
                    break;
                case JsonArray list:
                    foreach (var entry in list.OfType<JsonObject>())
                    {
                        if (entry["name"]?.GetValue<string>() is { } name && entry["template"]?.GetValue<string>() is { } text)
                            named[name] = text;
                    }
                    if (!named.TryGetValue(DefaultName, out main))
                        throw new TemplateException($"{modelDir} has several chat templates and none named '{DefaultName}'");
                    break;
            }
        }
        if (main is null)
            throw new TemplateException($"no chat template in {modelDir} (looked for chat_template.jinja, chat_template.json and tokenizer_config.json)");

        if (named.Count == 0)
            return ChatTemplate.Parse(main, bos, eos);
        var parsed = new Dictionary<string, ChatTemplate>(StringComparer.Ordinal);
        var template = ChatTemplate.ParseWithNamed(main, bos, eos, parsed);
        foreach (var (name, text) in named)
            parsed[name] = text == main ? template : ChatTemplate.Parse(text, bos, eos);
        return template;
    }

    private static JsonNode? ReadJson(string path) =>
        File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;

    /// <summary>A special token is either a plain string or an AddedToken object with "content".</summary>
    private static string? TokenText(JsonNode? node) => node switch
    {
        JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String => value.GetValue<string>(),
        JsonObject obj => obj["content"]?.GetValue<string>(),
        _ => null,
    };
}
