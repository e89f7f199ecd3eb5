using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Gateway.Preprocessing;

/// <summary>
/// The real preprocessor: a model folder's <c>tokenizer.json</c> and chat template. Chat prompts
/// are encoded without adding special tokens (the template writes them, as vLLM does);
/// completion prompts get the tokenizer's own BOS handling.
/// </summary>
public sealed class ModelPreprocessor : IPromptPreprocessor
{
    private readonly Tokenizer _tokenizer;
    private readonly ChatTemplate? _template;

    public ModelPreprocessor(Tokenizer tokenizer, ChatTemplate? template)
    {
        _tokenizer = tokenizer;
        _template = template;
    }

    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>Loads both from a Hugging Face folder; a folder with no chat template serves completions only.</summary>
    public static ModelPreprocessor FromDirectory(string modelDir)
    {
        var tokenizer = Tokenizer.FromDirectory(modelDir);
        ChatTemplate? template;
        try
        {
            template = ChatTemplate.FromDirectory(modelDir);
        }
        catch (Exception e) when (e is TemplateException or FileNotFoundException or InvalidOperationException)
        {
            template = null;
        }
        return new ModelPreprocessor(tokenizer, template);
    }

    public RenderedPrompt RenderChat(JsonArray messages, JsonArray? tools, IReadOnlyDictionary<string, JsonNode?> templateVariables)
    {
        if (_template is null) throw new PromptRenderException("This model has no chat template; use /v1/completions.");
        string text;
        try
        {
            text = _template.Render(new ChatTemplateInput(messages) { Tools = tools, AddGenerationPrompt = true, Variables = templateVariables });
        }
        catch (TemplateException e)
        {
            throw new PromptRenderException(e.Message, e);
        }
        return new RenderedPrompt(text, _tokenizer.Encode(text, addSpecialTokens: false));
    }

    public int[] EncodePrompt(string text) => _tokenizer.Encode(text, addSpecialTokens: true);

    public string Decode(ReadOnlySpan<int> tokenIds) => _tokenizer.Decode(tokenIds, skipSpecialTokens: true);

    public string TokenText(int tokenId) => _tokenizer.Decode([tokenId], skipSpecialTokens: false);

    public IStreamingDetokenizer CreateDetokenizer() => new Detokenizer(_tokenizer.CreateStreamingDecoder(skipSpecialTokens: true));

    private sealed class Detokenizer(StreamingDecoder decoder) : IStreamingDetokenizer
    {
        public string Push(int tokenId) => decoder.Push(tokenId);

        public string Flush() => decoder.Flush();
    }
}
