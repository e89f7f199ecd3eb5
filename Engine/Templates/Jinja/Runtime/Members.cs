using Dict = System.Collections.Generic.OrderedDictionary<object, object?>;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>
/// Attribute and item access as Jinja's sandbox does it: <c>x.name</c> tries the Python attribute
/// (a method) first and then the item; <c>x[key]</c> the item first and then the attribute. Methods
/// that would mutate a list or dict are refused, as in ImmutableSandboxedEnvironment.
/// </summary>
internal static class Members
{
    private static readonly HashSet<string> DictMutators = ["clear", "pop", "popitem", "setdefault", "update"];
    private static readonly HashSet<string> ListMutators = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"];

    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined u:
                throw u.Fail();
            case Dict dict:
                return DictMethod(dict, name) ?? (dict.TryGetValue(name, out var v) ? v : Undefined.Attribute(target, name));
            case string s:
                return (object?)StringMethods.Get(s, name) ?? Undefined.Attribute(target, name);
            case List<object?> or object?[]:
                return ListMethod((IReadOnlyList<object?>)target, name, target is List<object?>) ?? Undefined.Attribute(target, name);
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var a) ? a : Undefined.Attribute(target, name);
            case LoopContext loop:
                return loop.GetAttribute(name);
            default:
                return Undefined.Attribute(target, name);
        }
    }

    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined u:
                throw u.Fail();
            case Dict dict:
                if (key is not null && dict.TryGetValue(key, out var value))
                    return value;
                break;
            case string s when key is long or bool:
                var runes = s.EnumerateRunes().ToArray();
                var i = Values.NormalizeIndex(key, runes.Length);
                if (i >= 0)
                    return runes[i].ToString();
                break;
            case IReadOnlyList<object?> list when key is long or bool:
                var index = Values.NormalizeIndex(key, list.Count);
                if (index >= 0)
                    return list[index];
                break;
        }
        if (key is string name)
        {
            var attribute = GetAttribute(target, name);
            if (attribute is not Undefined)
                return attribute;
        }
        // Jinja words a missing string key as a missing attribute, whichever access form was used.
        return key is string text ? Undefined.Attribute(target, text) : Undefined.Item(target, key);
    }

    /// <summary>Like the sandbox's unsafe_undefined: harmless to print or test, an error once called or used.</summary>
    private static Undefined Unsafe(string name, string type) =>
        Undefined.Missing($"access to attribute '{name}' of '{type}' object is unsafe.");

    private static object? DictMethod(Dict dict, string name)
    {
        if (DictMutators.Contains(name))
            return Unsafe(name, "dict");
        return name switch
        {
            "items" => new JinjaFunction("items", _ => dict.Select(p => (object?)new object?[] { p.Key, p.Value }).ToList()),
            "keys" => new JinjaFunction("keys", _ => dict.Keys.ToList<object?>()),
            "values" => new JinjaFunction("values", _ => dict.Values.ToList()),
            "get" => new JinjaFunction("get", args =>
            {
                var key = args.Get(0, "key");
                return key is not null && dict.TryGetValue(key, out var v) ? v : args.Get(1, "default");
            }),
            "copy" => new JinjaFunction("copy", _ => Copy(dict)),
            _ => null,
        };
    }

    private static Dict Copy(Dict dict)
    {
        var copy = Values.NewDict();
        foreach (var (key, value) in dict)
            copy[key] = value;
        return copy;
    }

    private static object? ListMethod(IReadOnlyList<object?> list, string name, bool isList)
    {
        if (isList && ListMutators.Contains(name))
            return Unsafe(name, "list");
        return name switch
        {
            "index" => new JinjaFunction("index", args =>
            {
                var item = args.Get(0, "value");
                for (var i = 0; i < list.Count; i++)
                {
                    if (Values.PyEquals(list[i], item))
                        return (long)i;
                }
                throw new TemplateException($"{ValueFormatter.Repr(item)} is not in list");
            }),
            "count" => new JinjaFunction("count", args => (long)list.Count(x => Values.PyEquals(x, args.Get(0, "value")))),
            "copy" when isList => new JinjaFunction("copy", _ => list.ToList()),
            _ => null,
        };
    }
}
