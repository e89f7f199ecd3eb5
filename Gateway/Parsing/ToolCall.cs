namespace DynamoOrleans.Gateway.Parsing;

/// <summary>A parsed function call: the name and its arguments as a JSON string, as OpenAI returns them.</summary>
public sealed record ToolCall(string Id, string Name, string Arguments)
{
    /// <summary>An id in OpenAI's shape: <c>call_</c> and 24 alphanumerics.</summary>
    public static string NewId() => "call_" + Guid.NewGuid().ToString("N")[..24];
}
