using System.Text;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Python str methods available on template strings (<c>content.split('&lt;/think&gt;')</c> and friends).</summary>
internal static class StringMethods
{
    public static JinjaFunction? Get(string s, string name) => name switch
    {
        "strip" => new(name, a => Strip(s, a.Get(0, "chars"), left: true, right: true)),
        "lstrip" => new(name, a => Strip(s, a.Get(0, "chars"), left: true, right: false)),
        "rstrip" => new(name, a => Strip(s, a.Get(0, "chars"), left: false, right: true)),
        "split" => new(name, a => Split(s, a.Get(0, "sep"), MaxSplit(a))),
        "rsplit" => new(name, a => RSplit(s, a.Get(0, "sep"), MaxSplit(a))),
        "splitlines" => new(name, a => SplitLines(s, Values.IsTruthy(a.Get(0, "keepends", false)))),
        "startswith" => new(name, a => Affix(s, a, (x, p) => x.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new(name, a => Affix(s, a, (x, p) => x.EndsWith(p, StringComparison.Ordinal))),
        "replace" => new(name, a => Replace(s, Text(a.Get(0, "old")), Text(a.Get(1, "new")), Values.ToLong(a.Get(2, "count", -1L)))),
        "upper" => new(name, _ => s.ToUpperInvariant()),
        "lower" => new(name, _ => s.ToLowerInvariant()),
        "casefold" => new(name, _ => s.ToLowerInvariant()),
        "title" => new(name, _ => Title(s)),
        "capitalize" => new(name, _ => Capitalize(s)),
        "swapcase" => new(name, _ => string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)))),
        "find" => new(name, a => (long)s.IndexOf(Text(a.Get(0, "sub")), StringComparison.Ordinal)),
        "rfind" => new(name, a => (long)s.LastIndexOf(Text(a.Get(0, "sub")), StringComparison.Ordinal)),
        "index" => new(name, a => s.IndexOf(Text(a.Get(0, "sub")), StringComparison.Ordinal) is var i and >= 0 ? (long)i : throw new TemplateException("substring not found")),
        "count" => new(name, a => Count(s, Text(a.Get(0, "sub")))),
        "join" => new(name, a => string.Join(s, Values.Iterate(a.Get(0, "iterable")).Select(Text))),
        "format" => new(name, a => StringFormat.Format(s, a)),
        "isdigit" or "isdecimal" or "isnumeric" => new(name, _ => s.Length > 0 && s.All(char.IsDigit)),
        "isalpha" => new(name, _ => s.Length > 0 && s.All(char.IsLetter)),
        "isalnum" => new(name, _ => s.Length > 0 && s.All(char.IsLetterOrDigit)),
        "isspace" => new(name, _ => s.Length > 0 && s.All(IsSpace)),
        "islower" => new(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsUpper)),
        "isupper" => new(name, _ => s.Any(char.IsLetter) && !s.Any(char.IsLower)),
        "zfill" => new(name, a => s.PadLeft((int)Values.ToLong(a.Get(0, "width")), '0')),
        "ljust" => new(name, a => s.PadRight((int)Values.ToLong(a.Get(0, "width")), Fill(a))),
        "rjust" => new(name, a => s.PadLeft((int)Values.ToLong(a.Get(0, "width")), Fill(a))),
        "center" => new(name, a => Center(s, (int)Values.ToLong(a.Get(0, "width")), Fill(a))),
        "removeprefix" => new(name, a => Text(a.Get(0, "prefix")) is var p && s.StartsWith(p, StringComparison.Ordinal) ? s[p.Length..] : s),
        "removesuffix" => new(name, a => Text(a.Get(0, "suffix")) is var p && p.Length > 0 && s.EndsWith(p, StringComparison.Ordinal) ? s[..^p.Length] : s),
        "partition" => new(name, a => Partition(s, Text(a.Get(0, "sep")), fromRight: false)),
        "rpartition" => new(name, a => Partition(s, Text(a.Get(0, "sep")), fromRight: true)),
        _ => null,
    };

    /// <summary>Python's str.isspace characters, which include the ASCII separators 0x1c-0x1f that .NET leaves out.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    private static string Text(object? value) => value switch
    {
        string s => s,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateException($"expected a string, got '{Values.TypeName(value)}'"),
    };

    private static char Fill(CallArgs a) => a.Get(1, "fillchar", " ") is string { Length: 1 } f ? f[0] : ' ';

    private static long MaxSplit(CallArgs a) => Values.ToLong(a.Get(1, "maxsplit", -1L));

    public static string Strip(string s, object? chars, bool left, bool right)
    {
        Func<char, bool> strip = chars is string set ? set.Contains : IsSpace;
        var start = 0;
        var end = s.Length;
        while (left && start < end && strip(s[start]))
            start++;
        while (right && end > start && strip(s[end - 1]))
            end--;
        return s[start..end];
    }

    private static List<object?> Split(string s, object? sep, long maxSplit)
    {
        var parts = new List<object?>();
        if (sep is null)
        {
            var i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i]))
                    i++;
                if (i >= s.Length)
                    break;
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    // Python keeps the remainder as is, trailing whitespace included.
                    parts.Add(s[i..]);
                    break;
                }
                var start = i;
                while (i < s.Length && !IsSpace(s[i]))
                    i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        var separator = Text(sep);
        if (separator.Length == 0)
            throw new TemplateException("empty separator");
        var from = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            var at = s.IndexOf(separator, from, StringComparison.Ordinal);
            if (at < 0)
                break;
            parts.Add(s[from..at]);
            from = at + separator.Length;
        }
        parts.Add(s[from..]);
        return parts;
    }

    private static List<object?> RSplit(string s, object? sep, long maxSplit)
    {
        if (maxSplit < 0)
            return Split(s, sep, maxSplit);
        if (sep is null)
            return RSplitWhitespace(s, maxSplit);
        var separator = Text(sep);
        var parts = new List<object?>();
        var end = s.Length;
        while (parts.Count < maxSplit)
        {
            var at = end == 0 ? -1 : s.LastIndexOf(separator, end - 1, StringComparison.Ordinal);
            if (at < 0 || at + separator.Length > end)
                break;
            parts.Insert(0, s[(at + separator.Length)..end]);
            end = at;
        }
        parts.Insert(0, s[..end]);
        return parts;
    }

    private static List<object?> RSplitWhitespace(string s, long maxSplit)
    {
        var parts = new List<object?>();
        var i = s.Length;
        while (true)
        {
            while (i > 0 && IsSpace(s[i - 1]))
                i--;
            if (i == 0)
                break;
            if (parts.Count == maxSplit)
            {
                parts.Insert(0, s[..i]);
                break;
            }
            var end = i;
            while (i > 0 && !IsSpace(s[i - 1]))
                i--;
            parts.Insert(0, s[i..end]);
        }
        return parts;
    }

    internal static List<object?> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<object?>();
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029'))
                continue;
            var end = i;
            if (s[i] == '\r' && i + 1 < s.Length && s[i + 1] == '\n')
                i++;
            lines.Add(keepEnds ? s[start..(i + 1)] : s[start..end]);
            start = i + 1;
        }
        if (start < s.Length)
            lines.Add(s[start..]);
        return lines;
    }

    private static bool Affix(string s, CallArgs a, Func<string, string, bool> test)
    {
        var start = a.Get(1, "start") is { } st ? (int)Math.Clamp(Values.ToLong(st) < 0 ? Values.ToLong(st) + s.Length : Values.ToLong(st), 0, s.Length) : 0;
        var subject = s[start..];
        return a.Get(0, "prefix") switch
        {
            object?[] options => options.Any(o => test(subject, Text(o))),
            var one => test(subject, Text(one)),
        };
    }

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            if (old.Length > 0)
                return s.Replace(old, replacement, StringComparison.Ordinal);
            count = long.MaxValue;
        }
        var sb = new StringBuilder();
        var from = 0;
        var done = 0L;
        if (old.Length == 0)
        {
            // Python inserts the replacement before every code point and at the end.
            foreach (var rune in s.EnumerateRunes())
            {
                if (done++ < count)
                    sb.Append(replacement);
                sb.Append(rune.ToString());
            }
            if (done < count)
                sb.Append(replacement);
            return sb.ToString();
        }
        while (done < count)
        {
            var at = s.IndexOf(old, from, StringComparison.Ordinal);
            if (at < 0)
                break;
            sb.Append(s, from, at - from).Append(replacement);
            from = at + old.Length;
            done++;
        }
        return sb.Append(s, from, s.Length - from).ToString();
    }

    private static long Count(string s, string sub)
    {
        if (sub.Length == 0)
            return Values.CodePointLength(s) + 1;
        long count = 0;
        for (var at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>Python's str.title: a letter after a cased letter is lowered, any other letter raised.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var previousCased = false;
        foreach (var c in s)
        {
            sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousCased = char.IsUpper(c) || char.IsLower(c);
        }
        return sb.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string Center(string s, int width, char fill)
    {
        if (width <= s.Length)
            return s;
        var total = width - s.Length;
        // Python's rule for where the odd padding character goes.
        var left = total / 2 + (total & width & 1);
        return new string(fill, left) + s + new string(fill, total - left);
    }

    private static object?[] Partition(string s, string sep, bool fromRight)
    {
        var at = fromRight ? s.LastIndexOf(sep, StringComparison.Ordinal) : s.IndexOf(sep, StringComparison.Ordinal);
        if (at < 0)
            return fromRight ? ["", "", s] : [s, "", ""];
        return [s[..at], sep, s[(at + sep.Length)..]];
    }
}
