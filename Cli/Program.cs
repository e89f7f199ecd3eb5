using System.CommandLine;
using DynamoOrleans.Cli.Commands;

var root = new RootCommand("DynamoOrleans: a .NET-native distributed LLM inference stack.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
