namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>
/// Jinja's default Undefined: prints as "", is falsy, iterates as empty and has length 0; any
/// other use (attribute, arithmetic, call, tojson) fails with the message of how it came to be.
/// </summary>
internal sealed class Undefined
{
    private Undefined(string message) => Message = message;

    public string Message { get; }

    public static Undefined Name(string name) => new($"'{name}' is undefined");

    public static Undefined Attribute(object? owner, string attribute) =>
        new($"'{OwnerName(owner)}' has no attribute '{attribute}'");

    public static Undefined Item(object? owner, object? key) =>
        new($"{OwnerName(owner)} has no element {ValueFormatter.Repr(key)}");

    /// <summary>Jinja's object_type_repr: None by name, builtins as "dict object", its own types with their module.</summary>
    private static string OwnerName(object? owner) => owner switch
    {
        null => "None",
        Namespace => "jinja2.utils.Namespace object",
        LoopContext => "jinja2.runtime.LoopContext object",
        _ => Values.TypeName(owner) + " object",
    };

    public static Undefined Missing(string why) => new(why);

    public TemplateException Fail() => new(Message);

    public override string ToString() => "";
}
