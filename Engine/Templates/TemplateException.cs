namespace DynamoOrleans.Engine.Templates;

/// <summary>
/// A chat template failed to parse or render. <see cref="Line"/> is the 1-based template line the
/// problem was found on (0 when no line applies), <see cref="Reason"/> what is wrong.
/// </summary>
public sealed class TemplateException : Exception
{
    public TemplateException(string reason, int line = 0)
        : base(line > 0 ? $"chat template line {line}: {reason}" : $"chat template: {reason}")
    {
        Reason = reason;
        Line = line;
    }

    public int Line { get; }

    public string Reason { get; }

    /// <summary>The same error placed on a line; helpers throw without one and the interpreter adds it.</summary>
    internal TemplateException AtLine(int line) => Line > 0 || line <= 0 ? this : new TemplateException(Reason, line);
}
