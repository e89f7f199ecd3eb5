namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>The object namespace() returns: the one thing a set inside a loop can change for code after the loop.</summary>
internal sealed class Namespace
{
    public OrderedDictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}
