using DynamoOrleans.Engine.Templates.Jinja.Runtime;
using Dict = System.Collections.Generic.OrderedDictionary<object, object?>;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>Global functions: Jinja's range/dict/namespace/cycler-free set plus transformers' raise_exception and strftime_now.</summary>
internal static class BuiltinGlobals
{
    /// <summary>ImmutableSandboxedEnvironment refuses ranges longer than this.</summary>
    private const long MaxRange = 100_000;

    public static void Register(Scope globals, Renderer renderer)
    {
        globals.Set("range", new JinjaFunction("range", Range));
        globals.Set("dict", new JinjaFunction("dict", MakeDict));
        globals.Set("namespace", new JinjaFunction("namespace", MakeNamespace));
        globals.Set("raise_exception", new JinjaFunction("raise_exception", args => throw new TemplateException(ValueFormatter.Str(args.Get(0, "message")))));
        globals.Set("strftime_now", new JinjaFunction("strftime_now", args =>
            Strftime.Format(renderer.Clock.GetLocalNow().DateTime, ValueFormatter.Str(args.Get(0, "format")))));
    }

    private static List<object?> Range(CallArgs args)
    {
        var numbers = args.Positional.Select(Values.ToLong).ToArray();
        var (start, stop, step) = numbers.Length switch
        {
            1 => (0L, numbers[0], 1L),
            2 => (numbers[0], numbers[1], 1L),
            3 => (numbers[0], numbers[1], numbers[2]),
            _ => throw new TemplateException($"range expected 1 to 3 arguments, got {numbers.Length}"),
        };
        if (step == 0)
            throw new TemplateException("range() arg 3 must not be zero");
        var count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        if (count > MaxRange)
            throw new TemplateException($"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
            result.Add(i);
        return result;
    }

    private static Dict MakeDict(CallArgs args)
    {
        var dict = Values.NewDict();
        if (args.Positional.Count > 0)
            CopyInto(dict, args.Positional[0]);
        foreach (var (key, value) in args.Keywords)
            dict[key] = value;
        return dict;
    }

    private static Namespace MakeNamespace(CallArgs args)
    {
        var ns = new Namespace();
        if (args.Positional.Count > 0)
        {
            var source = Values.NewDict();
            CopyInto(source, args.Positional[0]);
            foreach (var (key, value) in source)
                ns.Attributes[ValueFormatter.Str(key)] = value;
        }
        foreach (var (key, value) in args.Keywords)
            ns.Attributes[key] = value;
        return ns;
    }

    private static void CopyInto(Dict dict, object? source)
    {
        if (source is Dict other)
        {
            foreach (var (key, value) in other)
                dict[key] = value;
            return;
        }
        foreach (var pair in Values.Iterate(source))
        {
            var items = Values.Iterate(pair);
            if (items.Count != 2 || items[0] is null)
                throw new TemplateException("dictionary update sequence element has wrong length; 2 is required");
            dict[items[0]!] = items[1];
        }
    }
}
