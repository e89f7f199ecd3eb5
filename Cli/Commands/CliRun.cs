using System.Text.Json;
using DynamoOrleans.Engine.Hub;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Cli.Commands;

/// <summary>Turns the errors users can cause (bad paths, bad files, bad models) into one clear line and exit code 2.</summary>
internal static class CliRun
{
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    public static async Task<int> GuardAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is CliException or ArgumentException or IOException or UnauthorizedAccessException or JsonException
            or TokenizerFormatException or TemplateException or ModelFormatException or HubException;
}
