namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>The <c>loop</c> variable of a for statement.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items)
{
    private object? _lastChanged = Undefined.Missing("loop.changed was not called yet");

    public int Index0 { get; set; }

    public object? GetAttribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.Missing("there is no previous item"),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : Undefined.Missing("there is no next item"),
        "cycle" => new JinjaFunction("loop.cycle", Cycle),
        "changed" => new JinjaFunction("loop.changed", Changed),
        _ => Undefined.Attribute(this, name),
    };

    private object? Cycle(CallArgs args)
    {
        if (args.Positional.Count == 0)
            throw new TemplateException("no items for cycling given");
        return args.Positional[Index0 % args.Positional.Count];
    }

    private object? Changed(CallArgs args)
    {
        var current = args.Positional.ToList();
        if (_lastChanged is List<object?> last && Values.PyEquals(last, current))
            return false;
        _lastChanged = current;
        return true;
    }
}
