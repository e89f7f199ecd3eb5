using System.Globalization;
using System.Text;
using Dict = System.Collections.Generic.OrderedDictionary<object, object?>;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>
/// Python's json.dumps, which transformers' tojson calls: separators ", " and ": " by default,
/// "," and ": " once an indent is given, keys in insertion order, non-ASCII kept unless ensure_ascii.
/// </summary>
internal static class PythonJson
{
    public sealed record Options(string? Indent, string ItemSeparator, string KeySeparator, bool SortKeys, bool EnsureAscii);

    public static string Dumps(object? value, Options options)
    {
        var sb = new StringBuilder();
        Write(sb, value, options, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, Options options, int depth)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : ValueFormatter.FormatFloat(d));
                break;
            case string s:
                WriteString(sb, s, options.EnsureAscii);
                break;
            case List<object?> or object?[]:
                var items = (IReadOnlyList<object?>)value;
                if (items.Count == 0)
                {
                    sb.Append("[]");
                    break;
                }
                sb.Append('[');
                for (var i = 0; i < items.Count; i++)
                {
                    Separate(sb, options, depth + 1, i == 0);
                    Write(sb, items[i], options, depth + 1);
                }
                Close(sb, options, depth, ']');
                break;
            case Dict dict:
                WriteObject(sb, dict.Select(p => (p.Key, p.Value)).ToList(), options, depth);
                break;
            case Namespace:
                throw new TemplateException("Object of type Namespace is not JSON serializable");
            default:
                throw new TemplateException($"Object of type {Values.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteObject(StringBuilder sb, List<(object Key, object? Value)> pairs, Options options, int depth)
    {
        if (pairs.Count == 0)
        {
            sb.Append("{}");
            return;
        }
        var keyed = pairs.Select(p => (Key: KeyString(p.Key), p.Value)).ToList();
        if (options.SortKeys)
            keyed = keyed.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        sb.Append('{');
        for (var i = 0; i < keyed.Count; i++)
        {
            Separate(sb, options, depth + 1, i == 0);
            WriteString(sb, keyed[i].Key, options.EnsureAscii);
            sb.Append(options.KeySeparator);
            Write(sb, keyed[i].Value, options, depth + 1);
        }
        Close(sb, options, depth, '}');
    }

    private static string KeyString(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => ValueFormatter.FormatFloat(d),
        _ => throw new TemplateException($"keys must be str, int, float, bool or None, not {Values.TypeName(key)}"),
    };

    private static void Separate(StringBuilder sb, Options options, int depth, bool first)
    {
        if (!first)
            sb.Append(options.ItemSeparator);
        if (options.Indent is not null)
        {
            sb.Append('\n');
            for (var i = 0; i < depth; i++)
                sb.Append(options.Indent);
        }
    }

    private static void Close(StringBuilder sb, Options options, int depth, char close)
    {
        if (options.Indent is not null)
        {
            sb.Append('\n');
            for (var i = 0; i < depth; i++)
                sb.Append(options.Indent);
        }
        sb.Append(close);
    }

    private static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // UTF-16 units are what Python's \uXXXX escapes count too (surrogate pairs for astral code points).
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
