using System.Text;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Python's str.format for plain fields: <c>{}</c>, <c>{0}</c>, <c>{name}</c>, <c>{{</c> and <c>}}</c>; format specs are not supported.</summary>
internal static class StringFormat
{
    public static string Format(string format, CallArgs args)
    {
        var sb = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '{' && i + 1 < format.Length && format[i + 1] == '{')
            {
                sb.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < format.Length && format[i + 1] == '}')
            {
                sb.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = format.IndexOf('}', i);
                if (end < 0)
                    throw new TemplateException("single '{' encountered in format string");
                var field = format[(i + 1)..end];
                if (field.Contains(':', StringComparison.Ordinal) || field.Contains('!', StringComparison.Ordinal))
                    throw new TemplateException("format specs and conversions in str.format are not supported");
                object? value;
                if (field.Length == 0)
                    value = Positional(args, auto++);
                else if (int.TryParse(field, out var index))
                    value = Positional(args, index);
                else
                    value = args.Keywords.FirstOrDefault(k => k.Key == field) is { Key: not null } kw ? kw.Value : throw new TemplateException($"KeyError: '{field}'");
                sb.Append(ValueFormatter.Str(value));
                i = end;
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static object? Positional(CallArgs args, int index) =>
        index < args.Positional.Count ? args.Positional[index] : throw new TemplateException("Replacement index out of range for positional args tuple");
}
