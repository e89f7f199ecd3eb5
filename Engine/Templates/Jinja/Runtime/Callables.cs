using DynamoOrleans.Engine.Templates.Jinja.Ast;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Evaluated arguments of a call, filter or test, with Python-style lookup by position or name.</summary>
internal sealed class CallArgs(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> keywords)
{
    public static CallArgs Empty { get; } = new([], []);

    public IReadOnlyList<object?> Positional { get; } = positional;

    public IReadOnlyList<KeyValuePair<string, object?>> Keywords { get; } = keywords;

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (index >= 0 && index < Positional.Count)
            return Positional[index];
        foreach (var (key, value) in Keywords)
        {
            if (key == name)
                return value;
        }
        return fallback;
    }

    public bool Has(int index, string name) =>
        (index >= 0 && index < Positional.Count) || Keywords.Any(k => k.Key == name);

    public CallArgs Skip(int count) => new(Positional.Skip(count).ToList(), Keywords);
}

/// <summary>A built-in function, bound method or global such as range() or raise_exception().</summary>
internal sealed class JinjaFunction(string name, Func<CallArgs, object?> body)
{
    public string Name { get; } = name;

    public object? Invoke(CallArgs args) => body(args);
}

/// <summary>A macro defined by the template, bound to the scope it was defined in and the renderer running it.</summary>
internal sealed class Macro(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<Stmt> body, Scope closure)
{
    public string Name { get; } = name;

    public IReadOnlyList<MacroParameter> Parameters { get; } = parameters;

    public IReadOnlyList<Stmt> Body { get; } = body;

    public Scope Closure { get; } = closure;
}
