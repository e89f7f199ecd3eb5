using System.Globalization;
using System.Text;
using Dict = System.Collections.Generic.OrderedDictionary<object, object?>;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Python's str() and repr() of template values, which is what <c>{{ x }}</c> prints.</summary>
internal static class ValueFormatter
{
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append("None");
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(FormatFloat(d));
                break;
            case string s:
                AppendStringRepr(sb, s);
                break;
            case List<object?> list:
                AppendItems(sb, "[", list, "]");
                break;
            case object?[] tuple:
                AppendItems(sb, "(", tuple, tuple.Length == 1 ? ",)" : ")");
                break;
            case Dict dict:
                sb.Append('{');
                var first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first)
                        sb.Append(", ");
                    first = false;
                    AppendRepr(sb, key);
                    sb.Append(": ");
                    AppendRepr(sb, item);
                }
                sb.Append('}');
                break;
            case Namespace ns:
                sb.Append("<Namespace ");
                var dictView = Values.NewDict();
                foreach (var (key, item) in ns.Attributes)
                    dictView[key] = item;
                AppendRepr(sb, dictView);
                sb.Append('>');
                break;
            case Undefined:
                break;
            case JinjaFunction f:
                sb.Append("<built-in function ").Append(f.Name).Append('>');
                break;
            case Macro m:
                sb.Append("<Macro '").Append(m.Name).Append("'>");
                break;
            default:
                sb.Append(value);
                break;
        }
    }

    private static void AppendItems(StringBuilder sb, string open, IReadOnlyList<object?> items, string close)
    {
        sb.Append(open);
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
                sb.Append(", ");
            AppendRepr(sb, items[i]);
        }
        sb.Append(close);
    }

    /// <summary>Python's repr of a str: single quotes unless only double quotes avoid escaping.</summary>
    private static void AppendStringRepr(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote);
        foreach (var rune in s.EnumerateRunes())
        {
            var c = rune.Value;
            if (c == quote || c == '\\')
                sb.Append('\\').Append((char)c);
            else if (c == '\n')
                sb.Append("\\n");
            else if (c == '\r')
                sb.Append("\\r");
            else if (c == '\t')
                sb.Append("\\t");
            else if (c < 0x20 || c == 0x7f)
                sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            else
                sb.Append(rune.ToString());
        }
        sb.Append(quote);
    }

    /// <summary>Python's float repr: shortest round-trip digits, fixed notation for exponents -4..15, else 1e+16 style.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
            return "nan";
        if (double.IsInfinity(d))
            return d > 0 ? "inf" : "-inf";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r.StartsWith('-');
        if (negative)
            r = r[1..];
        string digits;
        int point;
        var e = r.IndexOfAny(['E', 'e']);
        var mantissa = e >= 0 ? r[..e] : r;
        var exponent = e >= 0 ? int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture) : 0;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        var all = intPart + fracPart;
        var leading = all.Length - all.TrimStart('0').Length;
        digits = all.TrimStart('0').TrimEnd('0');
        point = intPart.Length - leading + exponent;
        var sign = negative ? "-" : "";
        if (digits.Length == 0)
            return sign + "0.0";
        var sci = point - 1;
        if (sci is >= -4 and < 16)
        {
            if (point <= 0)
                return sign + "0." + new string('0', -point) + digits;
            if (point >= digits.Length)
                return sign + digits + new string('0', point - digits.Length) + ".0";
            return sign + digits[..point] + "." + digits[point..];
        }
        var m = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
        return sign + m + "e" + (sci < 0 ? "-" : "+") + Math.Abs(sci).ToString("00", CultureInfo.InvariantCulture);
    }
}
