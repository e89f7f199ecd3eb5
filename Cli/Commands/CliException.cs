namespace DynamoOrleans.Cli.Commands;

/// <summary>A user error: printed as one line to stderr, exit code 2, no stack trace.</summary>
internal sealed class CliException(string message) : Exception(message);
