using System.Globalization;
using System.Text;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Python's <c>"%s" % value</c> string formatting for the conversions templates use (s, r, d, i, f, %).</summary>
internal static class PercentFormat
{
    public static string Format(string format, object? args)
    {
        var values = args is object?[] tuple ? tuple : [args];
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                sb.Append(format[i]);
                continue;
            }
            if (++i >= format.Length)
                throw new TemplateException("incomplete format");
            var spec = new StringBuilder();
            while (i < format.Length && "0123456789.-+ #".Contains(format[i], StringComparison.Ordinal))
                spec.Append(format[i++]);
            if (i >= format.Length)
                throw new TemplateException("incomplete format");
            var conversion = format[i];
            if (conversion == '%')
            {
                sb.Append('%');
                continue;
            }
            if (next >= values.Length)
                throw new TemplateException("not enough arguments for format string");
            var value = values[next++];
            sb.Append(conversion switch
            {
                's' => ValueFormatter.Str(value),
                'r' => ValueFormatter.Repr(value),
                'd' or 'i' => Values.ToLong(value).ToString(CultureInfo.InvariantCulture),
                'f' => Values.ToDouble(value).ToString("F" + Precision(spec.ToString(), 6), CultureInfo.InvariantCulture),
                _ => throw new TemplateException($"unsupported format character '{conversion}'"),
            });
        }
        // Python treats a non-tuple argument with __getitem__ (dict, list, Undefined) as a mapping: unused is fine.
        if (next < values.Length && args is not (System.Collections.Generic.OrderedDictionary<object, object?> or List<object?> or Undefined))
            throw new TemplateException("not all arguments converted during string formatting");
        return sb.ToString();
    }

    private static int Precision(string spec, int fallback)
    {
        var dot = spec.IndexOf('.', StringComparison.Ordinal);
        return dot >= 0 && int.TryParse(spec.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : fallback;
    }
}
