using DynamoOrleans.Engine.Templates.Jinja;
using DynamoOrleans.Engine.Templates.Jinja.Ast;
using DynamoOrleans.Engine.Templates.Jinja.Runtime;

namespace DynamoOrleans.Engine.Templates;

/// <summary>
/// A model's chat template, parsed once and rendered per request exactly as transformers'
/// apply_chat_template would (sandboxed Jinja with trim_blocks and lstrip_blocks, transformers'
/// tojson, raise_exception and strftime_now). Immutable: safe to render from many threads.
/// </summary>
public sealed class ChatTemplate
{
    private const string ToolUseName = "tool_use";

    private static readonly IReadOnlyDictionary<string, ChatTemplate> NoNamed = new Dictionary<string, ChatTemplate>();

    private readonly IReadOnlyList<Stmt> _body;
    private readonly IReadOnlyDictionary<string, ChatTemplate> _named;

    private ChatTemplate(string source, IReadOnlyList<Stmt> body, string? bosToken, string? eosToken, IReadOnlyDictionary<string, ChatTemplate> named)
    {
        Source = source;
        _body = body;
        BosToken = bosToken;
        EosToken = eosToken;
        _named = named;
    }

    public string Source { get; }

    public string? BosToken { get; }

    public string? EosToken { get; }

    /// <summary>
    /// Every named template of the model (tokenizer_config's list form, or additional_chat_templates/),
    /// e.g. "default" and "tool_use"; empty when the model has a single template.
    /// </summary>
    public IReadOnlyDictionary<string, ChatTemplate> Named => _named;

    public static ChatTemplate FromDirectory(string modelDir) => ChatTemplateLoader.Load(modelDir);

    public static ChatTemplate Parse(string source, string? bosToken = null, string? eosToken = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(source, Parser.Parse(source), bosToken, eosToken, NoNamed);
    }

    /// <summary>
    /// The default template of a model with several: <paramref name="named"/> is filled by the caller
    /// right after this returns (it may map "default" back to the result), and never changes afterwards.
    /// </summary>
    internal static ChatTemplate ParseWithNamed(string source, string? bosToken, string? eosToken, IReadOnlyDictionary<string, ChatTemplate> named) =>
        new(source, Parser.Parse(source), bosToken, eosToken, named);

    public string Render(ChatTemplateInput input) => Render(input, TimeProvider.System);

    /// <summary>Renders with <paramref name="clock"/> behind strftime_now (local time, as Python's datetime.now()).</summary>
    public string Render(ChatTemplateInput input, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(clock);
        // transformers switches to the "tool_use" template on its own when tools are passed.
        if (input.Tools is not null && _named.TryGetValue(ToolUseName, out var toolUse) && !ReferenceEquals(toolUse, this))
            return toolUse.Render(input, clock);
        return Renderer.Render(_body, Context(input), clock);
    }

    private IEnumerable<KeyValuePair<string, object?>> Context(ChatTemplateInput input)
    {
        var context = new List<KeyValuePair<string, object?>>
        {
            new("messages", JsonConversion.ToValue(input.Messages)),
            new("tools", JsonConversion.ToValue(input.Tools)),
            new("documents", null),
            new("add_generation_prompt", input.AddGenerationPrompt),
        };
        // Like transformers' special_tokens_map, a token the tokenizer lacks is left undefined rather than None.
        if (BosToken is not null)
            context.Add(new("bos_token", BosToken));
        if (EosToken is not null)
            context.Add(new("eos_token", EosToken));
        foreach (var (name, value) in input.Variables)
            context.Add(new(name, JsonConversion.ToValue(value)));
        return context;
    }
}
