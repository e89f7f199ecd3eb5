using DynamoOrleans.Engine.Templates.Jinja.Runtime;
using Dict = System.Collections.Generic.OrderedDictionary<object, object?>;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>Filters over lists, tuples and dicts: first/last/join/map/select/sort/unique and friends.</summary>
internal static partial class BuiltinFilters
{
    private static void RegisterSequenceFilters()
    {
        Add(["list"], (_, v, _) => Values.Iterate(v).ToList());
        Add(["first"], (_, v, _) => Values.Iterate(v) is { Count: > 0 } items ? items[0] : Undefined.Missing("No first item, sequence was empty."));
        Add(["last"], (_, v, _) => Values.Iterate(v) is { Count: > 0 } items ? items[^1] : Undefined.Missing("No last item, sequence was empty."));
        Add(["join"], (_, v, a) => Join(v, a));
        Add(["reverse"], (_, v, _) => v is string s ? string.Concat(s.EnumerateRunes().Reverse().Select(r => r.ToString())) : Values.Iterate(v).Reverse().ToList());
        Add(["items"], (_, v, _) => v switch
        {
            Dict dict => dict.Select(p => (object?)new object?[] { p.Key, p.Value }).ToList(),
            Undefined => new List<object?>(),
            _ => throw new TemplateException("Can only get item pairs from a mapping."),
        });
        Add(["sort"], (_, v, a) => Sort(v, a));
        Add(["dictsort"], (_, v, a) => DictSort(v, a));
        Add(["unique"], (_, v, a) => Unique(v, a));
        Add(["map"], (r, v, a) => Map(r, v, a));
        Add(["select"], (r, v, a) => SelectByTest(r, v, a, keep: true, byAttribute: false));
        Add(["reject"], (r, v, a) => SelectByTest(r, v, a, keep: false, byAttribute: false));
        Add(["selectattr"], (r, v, a) => SelectByTest(r, v, a, keep: true, byAttribute: true));
        Add(["rejectattr"], (r, v, a) => SelectByTest(r, v, a, keep: false, byAttribute: true));
        Add(["sum"], (_, v, a) => Sum(v, a));
        Add(["min"], (_, v, a) => Extreme(v, a, sign: -1));
        Add(["max"], (_, v, a) => Extreme(v, a, sign: 1));
        Add(["batch"], (_, v, a) => Batch(v, a));
    }

    private static string Join(object? value, CallArgs args)
    {
        var separator = Str(args.Get(0, "d", ""));
        var items = Values.Iterate(value);
        if (args.Get(1, "attribute") is { } attribute)
            items = items.Select(item => GetPath(item, attribute)).ToList();
        return string.Join(separator, items.Select(Str));
    }

    /// <summary>Jinja's attribute getter: "a.b.0" walks items (then attributes), numeric parts as indexes.</summary>
    private static object? GetPath(object? item, object? path)
    {
        if (path is long index)
            return Members.GetItem(item, index);
        foreach (var part in Str(path).Split('.'))
        {
            item = long.TryParse(part, out var i) ? Members.GetItem(item, i) : Members.GetItem(item, part);
        }
        return item;
    }

    private static Func<object?, object?> SortKey(CallArgs args, int caseIndex, int attributeIndex)
    {
        var caseSensitive = Values.IsTruthy(args.Get(caseIndex, "case_sensitive", false));
        var attribute = args.Get(attributeIndex, "attribute");
        return item =>
        {
            var key = attribute is null ? item : GetPath(item, attribute);
            return !caseSensitive && key is string s ? s.ToLowerInvariant() : key;
        };
    }

    private static readonly Comparer<object?> PyOrder = Comparer<object?>.Create(Values.Compare);

    private static List<object?> Sort(object? value, CallArgs args)
    {
        var key = SortKey(args, 1, 2);
        var items = Values.Iterate(value);
        var sorted = Values.IsTruthy(args.Get(0, "reverse", false))
            ? items.OrderByDescending(key, PyOrder)
            : items.OrderBy(key, PyOrder);
        return Unwrap(sorted.ToList);
    }

    private static List<object?> DictSort(object? value, CallArgs args)
    {
        if (value is not Dict dict)
            throw new TemplateException("You can only sort by either \"key\" or \"value\" of a mapping.");
        var caseSensitive = Values.IsTruthy(args.Get(0, "case_sensitive", false));
        var byValue = Str(args.Get(1, "by", "key")) switch
        {
            "key" => false,
            "value" => true,
            _ => throw new TemplateException("You can only sort by either \"key\" or \"value\""),
        };
        object? Key(KeyValuePair<object, object?> pair)
        {
            var k = byValue ? pair.Value : pair.Key;
            return !caseSensitive && k is string s ? s.ToLowerInvariant() : k;
        }
        var ordered = Values.IsTruthy(args.Get(2, "reverse", false)) ? dict.OrderByDescending(Key, PyOrder) : dict.OrderBy(Key, PyOrder);
        return Unwrap(ordered.Select(p => (object?)new object?[] { p.Key, p.Value }).ToList);
    }

    /// <summary>LINQ sorting wraps a comparer's exception; the template should see Python's TypeError.</summary>
    private static T Unwrap<T>(Func<T> sort)
    {
        try
        {
            return sort();
        }
        catch (InvalidOperationException e) when (e.InnerException is TemplateException inner)
        {
            throw inner;
        }
    }

    private static List<object?> Unique(object? value, CallArgs args)
    {
        var key = SortKey(args, 0, 1);
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in Values.Iterate(value))
        {
            var k = key(item);
            if (seen.Any(s => Values.PyEquals(s, k)))
                continue;
            seen.Add(k);
            result.Add(item);
        }
        return result;
    }

    private static List<object?> Map(Renderer renderer, object? value, CallArgs args)
    {
        // Jinja only iterates a truthy value, so none | map(...) is empty rather than an error.
        var items = Values.IsTruthy(value) ? Values.Iterate(value) : [];
        if (args.Positional.Count == 0 && args.Has(-1, "attribute"))
        {
            var attribute = args.Get(-1, "attribute");
            var hasDefault = args.Has(-1, "default");
            var fallback = args.Get(-1, "default");
            return items.Select(item => GetPath(item, attribute) is Undefined && hasDefault ? fallback : GetPath(item, attribute)).ToList();
        }
        if (args.Positional.Count == 0)
            throw new TemplateException("map requires a filter name or attribute=");
        var name = Str(args.Positional[0]);
        if (!TryGet(name, out var filter))
            throw new TemplateException($"No filter named '{name}'.");
        var rest = args.Skip(1);
        return items.Select(item => filter(renderer, item, rest)).ToList();
    }

    private static List<object?> SelectByTest(Renderer renderer, object? value, CallArgs args, bool keep, bool byAttribute)
    {
        var offset = byAttribute ? 1 : 0;
        var attribute = byAttribute ? args.Get(0, "attr") : null;
        Func<object?, bool> predicate;
        if (args.Positional.Count <= offset)
        {
            predicate = Values.IsTruthy;
        }
        else
        {
            var name = Str(args.Positional[offset]);
            if (!BuiltinTests.TryGet(name, out var test))
                throw new TemplateException($"No test named '{name}'.");
            var rest = args.Skip(offset + 1);
            predicate = x => test(renderer, x, rest);
        }
        var items = Values.IsTruthy(value) ? Values.Iterate(value) : [];
        return items
            .Where(item => predicate(byAttribute ? GetPath(item, attribute) : item) == keep)
            .ToList();
    }

    private static object? Sum(object? value, CallArgs args)
    {
        var attribute = args.Get(0, "attribute");
        var total = args.Get(1, "start", 0L);
        foreach (var item in Values.Iterate(value))
            total = Operators.Binary("+", total, attribute is null ? item : GetPath(item, attribute));
        return total;
    }

    private static object? Extreme(object? value, CallArgs args, int sign)
    {
        var key = SortKey(args, 0, 1);
        var items = Values.Iterate(value);
        if (items.Count == 0)
            return Undefined.Missing("No aggregated item, sequence was empty.");
        var best = items[0];
        foreach (var item in items.Skip(1))
        {
            if (Values.Compare(key(item), key(best)) * sign > 0)
                best = item;
        }
        return best;
    }

    private static List<object?> Batch(object? value, CallArgs args)
    {
        var size = (int)Values.ToLong(args.Get(0, "linecount"));
        if (size <= 0)
            throw new TemplateException("batch size must be positive");
        var fill = args.Has(1, "fill_with");
        var filler = args.Get(1, "fill_with");
        var result = new List<object?>();
        var items = Values.Iterate(value);
        for (var i = 0; i < items.Count; i += size)
        {
            var chunk = items.Skip(i).Take(size).ToList();
            while (fill && chunk.Count < size)
                chunk.Add(filler);
            result.Add(chunk);
        }
        return result;
    }
}
