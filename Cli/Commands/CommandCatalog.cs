using System.CommandLine;

namespace DynamoOrleans.Cli.Commands;

/// <summary>Every subcommand of the <c>dynamo</c> tool, in the order help lists them.</summary>
internal static class CommandCatalog
{
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
