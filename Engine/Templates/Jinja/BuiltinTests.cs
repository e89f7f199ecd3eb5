using DynamoOrleans.Engine.Templates.Jinja.Runtime;
using Dict = System.Collections.Generic.OrderedDictionary<object, object?>;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>Jinja's tests (<c>x is defined</c>, <c>x is equalto y</c>, ...), with Python's type rules: bool is a number but not an integer.</summary>
internal static class BuiltinTests
{
    public delegate bool Test(Renderer renderer, object? value, CallArgs args);

    private static readonly Dictionary<string, Test> All = new(StringComparer.Ordinal)
    {
        ["defined"] = (_, v, _) => v is not Undefined,
        ["undefined"] = (_, v, _) => v is Undefined,
        ["none"] = (_, v, _) => v is null,
        ["boolean"] = (_, v, _) => v is bool,
        ["true"] = (_, v, _) => v is true,
        ["false"] = (_, v, _) => v is false,
        ["string"] = (_, v, _) => v is string,
        ["number"] = (_, v, _) => v is long or double or bool,
        ["integer"] = (_, v, _) => v is long,
        ["float"] = (_, v, _) => v is double,
        ["mapping"] = (_, v, _) => v is Dict,
        ["iterable"] = (_, v, _) => v is string or List<object?> or object?[] or Dict or Undefined,
        // Undefined has __len__, __getitem__ and __call__ (all failing), so Python's duck-typed checks accept it.
        ["sequence"] = (_, v, _) => v is string or List<object?> or object?[] or Dict or Undefined,
        ["callable"] = (_, v, _) => v is JinjaFunction or Macro or Undefined,
        ["lower"] = (_, v, _) => IsCased(ValueFormatter.Str(v), upper: false),
        ["upper"] = (_, v, _) => IsCased(ValueFormatter.Str(v), upper: true),
        ["escaped"] = (_, _, _) => false,
        ["odd"] = (_, v, _) => Values.PyEquals(Operators.Binary("%", v, 2L), 1L),
        ["even"] = (_, v, _) => Values.PyEquals(Operators.Binary("%", v, 2L), 0L),
        ["divisibleby"] = (_, v, a) => Values.PyEquals(Operators.Binary("%", v, a.Get(0, "num")), 0L),
        ["sameas"] = (_, v, a) => SameAs(v, a.Get(0, "other")),
        ["in"] = (_, v, a) => Values.Contains(a.Get(0, "seq"), v),
        ["filter"] = (_, v, _) => v is string name && BuiltinFilters.TryGet(name, out _),
        ["test"] = (_, v, _) => v is string name && All!.ContainsKey(name),
    };

    static BuiltinTests()
    {
        Add(["equalto", "eq", "=="], (_, v, a) => Values.PyEquals(v, a.Get(0, "other")));
        Add(["ne", "!="], (_, v, a) => !Values.PyEquals(v, a.Get(0, "other")));
        Add(["lt", "lessthan", "<"], (_, v, a) => Values.Compare(v, a.Get(0, "other")) < 0);
        Add(["le", "<="], (_, v, a) => Values.Compare(v, a.Get(0, "other")) <= 0);
        Add(["gt", "greaterthan", ">"], (_, v, a) => Values.Compare(v, a.Get(0, "other")) > 0);
        Add(["ge", ">="], (_, v, a) => Values.Compare(v, a.Get(0, "other")) >= 0);
    }

    public static bool TryGet(string name, out Test test) => All.TryGetValue(name, out test!);

    private static void Add(string[] names, Test test)
    {
        foreach (var name in names)
            All[name] = test;
    }

    /// <summary>Python's str.islower/isupper: some cased letter, and none of the other case.</summary>
    private static bool IsCased(string s, bool upper) =>
        s.Any(c => upper ? char.IsUpper(c) : char.IsLower(c)) && !s.Any(c => upper ? char.IsLower(c) : char.IsUpper(c));

    /// <summary>Python's <c>is</c>: singletons and small values by value, containers by identity.</summary>
    private static bool SameAs(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        (string x, string y) => x == y,
        _ => ReferenceEquals(a, b),
    };
}
