using System.Text;
using Dict = System.Collections.Generic.OrderedDictionary<object, object?>;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>
/// The value model and Python's rules over it. Values are plain objects: null (None), bool, long
/// (int), double (float), string, List&lt;object?&gt; (list), object?[] (tuple), Dict (dict, in
/// insertion order), <see cref="Namespace"/>, <see cref="Undefined"/>, <see cref="LoopContext"/>,
/// <see cref="JinjaFunction"/> and <see cref="Macro"/>.
/// </summary>
internal static class Values
{
    public static Dict NewDict() => new(PyKeyComparer.Instance);

    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        object?[] tuple => tuple.Length > 0,
        Dict dict => dict.Count > 0,
        Undefined => false,
        _ => true,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        object?[] => "tuple",
        Dict => "dict",
        Namespace => "Namespace",
        Undefined => "Undefined",
        LoopContext => "LoopContext",
        JinjaFunction => "builtin_function_or_method",
        Macro => "Macro",
        _ => value.GetType().Name,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static bool IsSequence(object? value) => value is List<object?> or object?[];

    /// <summary>Python's iter(): lists and tuples by item, dicts by key, strings by code point; Undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        object?[] tuple => tuple,
        Dict dict => dict.Keys.ToList<object?>(),
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
        Undefined => [],
        _ => throw new TemplateException($"'{TypeName(value)}' object is not iterable"),
    };

    public static long Length(object? value) => value switch
    {
        string s => CodePointLength(s),
        List<object?> list => list.Count,
        object?[] tuple => tuple.Length,
        Dict dict => dict.Count,
        Undefined => 0,
        _ => throw new TemplateException($"object of type '{TypeName(value)}' has no len()"),
    };

    public static long CodePointLength(string s)
    {
        long count = 0;
        foreach (var _ in s.EnumerateRunes())
            count++;
        return count;
    }

    /// <summary>Python ==: numbers by value (True == 1), containers element-wise, other types never equal.</summary>
    public static bool PyEquals(object? a, object? b)
    {
        if (a is null || b is null)
            return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        switch (a)
        {
            case string sa:
                return b is string sb && sa == sb;
            case List<object?> la:
                return b is List<object?> lb && SequenceEquals(la, lb);
            case object?[] ta:
                return b is object?[] tb && SequenceEquals(ta, tb);
            case Dict da:
                if (b is not Dict db || da.Count != db.Count)
                    return false;
                foreach (var (key, value) in da)
                {
                    if (!db.TryGetValue(key, out var other) || !PyEquals(value, other))
                        return false;
                }
                return true;
            case Undefined:
                return b is Undefined;
            default:
                return ReferenceEquals(a, b);
        }
    }

    private static bool SequenceEquals(IReadOnlyList<object?> a, IReadOnlyList<object?> b)
    {
        if (a.Count != b.Count)
            return false;
        for (var i = 0; i < a.Count; i++)
        {
            if (!PyEquals(a[i], b[i]))
                return false;
        }
        return true;
    }

    /// <summary>Python ordering (&lt;): numbers, strings by code point, sequences lexicographically.</summary>
    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        if (a is string sa && b is string sb)
            return CompareCodePoints(sa, sb);
        if (a is IReadOnlyList<object?> la && b is IReadOnlyList<object?> lb && a.GetType() == b.GetType())
        {
            for (var i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (!PyEquals(la[i], lb[i]))
                    return Compare(la[i], lb[i]);
            }
            return la.Count.CompareTo(lb.Count);
        }
        if (a is Undefined ua)
            throw ua.Fail();
        if (b is Undefined ub)
            throw ub.Fail();
        throw new TemplateException($"'<' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    private static int CompareCodePoints(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var hasA = ea.MoveNext();
            var hasB = eb.MoveNext();
            if (!hasA || !hasB)
                return hasA.CompareTo(hasB);
            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
                return c;
        }
    }

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new TemplateException($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        Dict when item is List<object?> or Dict => throw new TemplateException($"unhashable type: '{TypeName(item)}'"),
        Dict dict => item is not null && dict.ContainsKey(item),
        Undefined => false,
        List<object?> or object?[] => Iterate(container).Any(x => PyEquals(x, item)),
        _ => throw new TemplateException($"argument of type '{TypeName(container)}' is not iterable"),
    };

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw new TemplateException($"expected an integer, got '{TypeName(value)}'"),
    };

    public static double ToDouble(object? value) => value switch
    {
        double d => d,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new TemplateException($"expected a number, got '{TypeName(value)}'"),
    };

    /// <summary>Converts a Python index (negative counts from the end) into a list position, or -1 when out of range.</summary>
    public static int NormalizeIndex(object? index, int count)
    {
        if (index is not (long or bool))
            return -1;
        var i = ToLong(index);
        if (i < 0)
            i += count;
        return i >= 0 && i < count ? (int)i : -1;
    }

    /// <summary>Python's slice.indices: clamps start/stop for the step's direction.</summary>
    public static List<int> SliceIndices(int count, object? start, object? stop, object? step)
    {
        var s = step is null ? 1 : ToLong(step);
        if (s == 0)
            throw new TemplateException("slice step cannot be zero");
        long Clamp(object? bound, long forNone)
        {
            if (bound is null)
                return forNone;
            var v = ToLong(bound);
            if (v < 0)
                v += count;
            return s > 0 ? Math.Clamp(v, 0, count) : Math.Clamp(v, -1, count - 1);
        }
        var from = Clamp(start, s > 0 ? 0 : count - 1);
        var to = Clamp(stop, s > 0 ? count : -1);
        var result = new List<int>();
        for (var i = from; s > 0 ? i < to : i > to; i += s)
            result.Add((int)i);
        return result;
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        switch (target)
        {
            case string s:
                var runes = s.EnumerateRunes().ToArray();
                var sb = new StringBuilder();
                foreach (var i in SliceIndices(runes.Length, start, stop, step))
                    sb.Append(runes[i].ToString());
                return sb.ToString();
            case List<object?> list:
                return SliceIndices(list.Count, start, stop, step).Select(i => list[i]).ToList();
            case object?[] tuple:
                return SliceIndices(tuple.Length, start, stop, step).Select(i => tuple[i]).ToArray();
            case Undefined u:
                throw u.Fail();
            case Dict:
                throw new TemplateException("unhashable type: 'slice'");
            default:
                throw new TemplateException($"'{TypeName(target)}' object is not subscriptable");
        }
    }
}
