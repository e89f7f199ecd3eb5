namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>
/// Variables of one Jinja scope. Reads walk outwards; writes stay local, which is why a set
/// inside a for body is gone after the iteration (each iteration gets its own scope, as in Jinja).
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out value))
                return true;
        }
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;
}
