using System.CommandLine;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Cli.Commands;

/// <summary><c>dynamo chat-template</c>: renders every case of a fixture-shaped file through the model's chat template, as the gateway does.</summary>
internal static class ChatTemplateCommand
{
    public static Command Create()
    {
        var tokenizerDir = new Option<DirectoryInfo>("--tokenizer") { Description = "Folder with tokenizer.json and tokenizer_config.json (or chat_template.jinja)", Required = true };
        var cases = new Option<FileInfo>("--cases") { Description = "JSON {\"chat\": [{\"messages\", \"tools\", \"enable_thinking\", \"add_generation_prompt\"}]}", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the cases with text and ids filled in", Required = true };
        var command = new Command("chat-template", "Render chat messages through a model's chat template and tokenize them") { tokenizerDir, cases, output };
        command.SetAction(parse => CliRun.Guard(() =>
            Run(parse.GetValue(tokenizerDir)!.FullName, parse.GetValue(cases)!.FullName, parse.GetValue(output)!.FullName, Console.Out)));
        return command;
    }

    public static int Run(string tokenizerDir, string casesPath, string outPath, TextWriter log)
    {
        var tokenizer = Tokenizer.FromDirectory(tokenizerDir);
        var template = ChatTemplate.FromDirectory(tokenizerDir);
        var (root, cases) = CasesFile.Read(casesPath, "chat");
        var (numCases, numMatching) = (0, 0);
        foreach (var node in cases)
        {
            if (node is not JsonObject entry || entry["messages"] is not JsonArray messages)
                throw new CliException($"{casesPath}: every case needs a \"messages\" array");
            var expected = entry["text"]?.GetValue<string>();
            var text = template.Render(ToInput(entry, messages));
            entry["text"] = text;
            entry["ids"] = CasesFile.IdsToJson(tokenizer.Encode(text));
            numCases++;
            if (expected == text)
                numMatching++;
        }
        CasesFile.Write(outPath, root);
        log.WriteLine($"{numCases} cases rendered into {outPath}; {numMatching} match the text given in the input");
        return 0;
    }

    /// <summary>A null or absent <c>enable_thinking</c> is not passed at all, as in the fixtures: the template's own default applies.</summary>
    private static ChatTemplateInput ToInput(JsonObject entry, JsonArray messages)
    {
        var variables = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (entry["enable_thinking"] is JsonValue thinking)
            variables["enable_thinking"] = thinking.DeepClone();
        return new ChatTemplateInput((JsonArray)messages.DeepClone())
        {
            Tools = entry["tools"] is JsonArray tools ? (JsonArray)tools.DeepClone() : null,
            AddGenerationPrompt = entry["add_generation_prompt"]?.GetValue<bool>() ?? false,
            Variables = variables,
        };
    }
}
