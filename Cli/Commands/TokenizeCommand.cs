using System.CommandLine;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Cli.Commands;

/// <summary><c>dynamo tokenize</c>: encodes and decodes every case of a fixture-shaped file with the server's tokenizer.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerDir = new Option<DirectoryInfo>("--tokenizer") { Description = "Folder with tokenizer.json", Required = true };
        var cases = new Option<FileInfo>("--cases") { Description = "JSON {\"encode\": [{\"text\", ...}]}", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the cases with ids and decoded filled in", Required = true };
        var command = new Command("tokenize", "Encode and decode a file of test strings with a Hugging Face tokenizer") { tokenizerDir, cases, output };
        command.SetAction(parse => CliRun.Guard(() =>
            Run(parse.GetValue(tokenizerDir)!.FullName, parse.GetValue(cases)!.FullName, parse.GetValue(output)!.FullName, Console.Out)));
        return command;
    }

    public static int Run(string tokenizerDir, string casesPath, string outPath, TextWriter log)
    {
        var tokenizer = Tokenizer.FromDirectory(tokenizerDir);
        var (root, cases) = CasesFile.Read(casesPath, "encode");
        var (numCases, numMatching) = (0, 0);
        foreach (var node in cases)
        {
            if (node is not JsonObject entry || entry["text"]?.GetValue<string>() is not { } text)
                throw new CliException($"{casesPath}: every case needs a \"text\" string");
            var expected = entry["ids"]?.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            var ids = tokenizer.Encode(text);
            entry["ids"] = CasesFile.IdsToJson(ids);
            entry["decoded"] = tokenizer.Decode(ids);
            numCases++;
            if (expected is not null && expected.SequenceEqual(ids))
                numMatching++;
        }
        CasesFile.Write(outPath, root);
        log.WriteLine($"{numCases} cases tokenized into {outPath}; {numMatching} match the ids given in the input");
        return 0;
    }
}
