using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DynamoOrleans.Engine.Templates.Jinja.Runtime;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>
/// Jinja's filters on strings and numbers, plus transformers' tojson. Sequence filters are in
/// BuiltinFilters.Sequences.cs. Arguments follow Jinja's signatures, by position or by name.
/// </summary>
internal static partial class BuiltinFilters
{
    public delegate object? Filter(Renderer renderer, object? value, CallArgs args);

    private static readonly Dictionary<string, Filter> All = new(StringComparer.Ordinal);

    static BuiltinFilters()
    {
        Add(["tojson"], (_, v, a) => ToJson(v, a));
        Add(["trim"], (_, v, a) => StringMethods.Strip(Str(v), a.Get(0, "chars"), left: true, right: true));
        Add(["upper"], (_, v, _) => Str(v).ToUpperInvariant());
        Add(["lower"], (_, v, _) => Str(v).ToLowerInvariant());
        Add(["title"], (_, v, _) => Title(Str(v)));
        Add(["capitalize"], (_, v, _) => StringMethods.Capitalize(Str(v)));
        Add(["replace"], (_, v, a) => StringMethods.Replace(Str(v), Str(a.Get(0, "old")), Str(a.Get(1, "new")), a.Get(2, "count") is { } c ? Values.ToLong(c) : -1));
        Add(["string"], (_, v, _) => Str(v));
        Add(["safe"], (_, v, _) => v is string ? v : Str(v));
        Add(["escape", "e", "forceescape"], (_, v, _) => Escape(Str(v)));
        Add(["indent"], (_, v, a) => Indent(Str(v), a.Get(0, "width", 4L), Values.IsTruthy(a.Get(1, "first", false)), Values.IsTruthy(a.Get(2, "blank", false))));
        Add(["wordcount"], (_, v, _) => (long)WordPattern().Count(Str(v)));
        Add(["center"], (_, v, a) => Center(Str(v), (int)Values.ToLong(a.Get(0, "width", 80L))));
        Add(["format"], (_, v, a) => PercentFormat.Format(Str(v), a.Positional.ToArray()));
        Add(["default", "d"], (_, v, a) => v is Undefined || (Values.IsTruthy(a.Get(1, "boolean", false)) && !Values.IsTruthy(v)) ? a.Get(0, "default_value", "") : v);
        Add(["length", "count"], (_, v, _) => Values.Length(v));
        Add(["int"], (_, v, a) => ToInt(Defined(v), a.Get(0, "default", 0L)));
        Add(["float"], (_, v, a) => ToFloat(Defined(v), a.Get(0, "default", 0.0)));
        Add(["abs"], (_, v, _) => v switch { long l => (object)Math.Abs(l), double d => Math.Abs(d), bool b => b ? 1L : 0L, _ => throw new TemplateException($"bad operand type for abs(): '{Values.TypeName(v)}'") });
        Add(["round"], (_, v, a) => Round(v, (int)Values.ToLong(a.Get(0, "precision", 0L)), Str(a.Get(1, "method", "common"))));
        Add(["pprint"], (_, v, _) => ValueFormatter.Repr(v));
        Add(["attr"], (_, v, a) => Members.GetAttribute(v, Str(a.Get(0, "name"))));
        RegisterSequenceFilters();
    }

    public static bool TryGet(string name, out Filter filter) => All.TryGetValue(name, out filter!);

    private static void Add(string[] names, Filter filter)
    {
        foreach (var name in names)
            All[name] = filter;
    }

    private static string Str(object? value) => ValueFormatter.Str(value);

    /// <summary>Python's int()/float() raise UndefinedError themselves, which the filters do not swallow.</summary>
    private static object? Defined(object? value) => value is Undefined u ? throw u.Fail() : value;

    /// <summary>transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).</summary>
    private static string ToJson(object? value, CallArgs args)
    {
        if (value is Undefined)
            throw new TemplateException("Object of type Undefined is not JSON serializable");
        var indent = args.Get(1, "indent") switch
        {
            null => null,
            string s => s,
            var n => new string(' ', (int)Math.Max(0, Values.ToLong(n))),
        };
        var (itemSeparator, keySeparator) = args.Get(2, "separators") switch
        {
            IReadOnlyList<object?> { Count: 2 } pair => (Str(pair[0]), Str(pair[1])),
            null => (indent is null ? ", " : ",", ": "),
            var other => throw new TemplateException($"separators must be a pair of strings, got '{Values.TypeName(other)}'"),
        };
        var options = new PythonJson.Options(indent, itemSeparator, keySeparator, Values.IsTruthy(args.Get(3, "sort_keys", false)), Values.IsTruthy(args.Get(0, "ensure_ascii", false)));
        return PythonJson.Dumps(value, options);
    }

    /// <summary>Jinja's title filter: capitalises after whitespace, dashes and opening brackets (not after apostrophes).</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var part in WordBeginningSplit().Split(s))
        {
            if (part.Length > 0)
                sb.Append(char.ToUpperInvariant(part[0])).Append(part[1..].ToLowerInvariant());
        }
        return sb.ToString();
    }

    private static string Escape(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
         .Replace("\"", "&#34;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    /// <summary>Jinja's indent, quirks included: a trailing newline is appended before splitting lines.</summary>
    private static string Indent(string s, object? width, bool first, bool blank)
    {
        var indention = width is string w ? w : new string(' ', (int)Values.ToLong(width));
        var lines = StringMethods.SplitLines(s + "\n", keepEnds: false).Select(x => (string)x!).ToList();
        string result;
        if (blank)
        {
            result = string.Join("\n" + indention, lines);
        }
        else
        {
            result = lines[0];
            if (lines.Count > 1)
                result += "\n" + string.Join("\n", lines.Skip(1).Select(line => line.Length > 0 ? indention + line : line));
        }
        return first ? indention + result : result;
    }

    private static string Center(string s, int width)
    {
        if (width <= s.Length)
            return s;
        var total = width - s.Length;
        var left = total / 2 + (total & width & 1);
        return new string(' ', left) + s + new string(' ', total - left);
    }

    private static object? ToInt(object? value, object? fallback)
    {
        switch (value)
        {
            case long or bool:
                return Values.ToLong(value);
            case double d when double.IsFinite(d):
                return (long)Math.Truncate(d);
            case string s:
                var trimmed = s.Trim().Replace("_", "", StringComparison.Ordinal);
                if (long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                    return l;
                if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed))
                    return (long)Math.Truncate(parsed);
                return fallback;
            default:
                return fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        double d => d,
        long or bool => Values.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => fallback,
    };

    private static object Round(object? value, int precision, string method)
    {
        if (method == "common")
            return value is long or bool ? (object)Values.ToLong(value) : Math.Round(Values.ToDouble(value), precision, MidpointRounding.ToEven);
        var scale = Math.Pow(10, precision);
        return method switch
        {
            "floor" => Math.Floor(Values.ToDouble(value) * scale) / scale,
            "ceil" => Math.Ceiling(Values.ToDouble(value) * scale) / scale,
            _ => throw new TemplateException("method must be common, ceil or floor"),
        };
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginningSplit();
}
