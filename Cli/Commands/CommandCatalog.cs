using System.CommandLine;

namespace DynamoOrleans.Cli.Commands;

/// <summary>Every subcommand of the <c>dynamo</c> tool, in the order help lists them.</summary>
internal static class CommandCatalog
{
    /// <summary>The <c>dynamo</c> root command; tests parse deployment command lines with it without running them.</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("DynamoOrleans: a .NET-native distributed LLM inference stack.");
        foreach (var command in All())
            root.Subcommands.Add(command);
        return root;
    }

    public static IEnumerable<Command> All()
    {
        yield return ServeCommand.Create();
        yield return SiloCommand.Create();
        yield return GatewayCommand.Create();
        yield return GenerateCommand.Create();
        yield return TokenizeCommand.Create();
        yield return ChatTemplateCommand.Create();
        yield return LogitsCommand.Create();
    }
}
