using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Preprocessing;

/// <summary>A rendered chat prompt: the text (the reasoning parser reads its end) and its token ids.</summary>
public sealed record RenderedPrompt(string Text, int[] TokenIds);

/// <summary>Turns token ids back into text one id at a time, holding bytes of unfinished UTF-8 characters.</summary>
public interface IStreamingDetokenizer
{
    /// <summary>The text that <paramref name="tokenId"/> completes; empty while a character is unfinished.</summary>
    string Push(int tokenId);

    /// <summary>What is still held at the end of the stream.</summary>
    string Flush();
}

/// <summary>
/// The gateway's view of tokenizer and chat template, as Dynamo's frontend preprocessor: the
/// gateway renders and tokenizes, workers receive token ids.
/// </summary>
public interface IPromptPreprocessor
{
    /// <summary>Renders messages (and tools) through the chat template with the generation prompt, then encodes.</summary>
    /// <exception cref="PromptRenderException">The template rejected the conversation.</exception>
    RenderedPrompt RenderChat(JsonArray messages, JsonArray? tools, IReadOnlyDictionary<string, JsonNode?> templateVariables);

    /// <summary>Encodes a completions prompt (adding the tokenizer's BOS where it does).</summary>
    int[] EncodePrompt(string text);

    /// <summary>Decodes ids to text (echo of token-id prompts).</summary>
    string Decode(ReadOnlySpan<int> tokenIds);

    /// <summary>The text of one token for logprobs (<c>token</c> and <c>bytes</c>).</summary>
    string TokenText(int tokenId);

    IStreamingDetokenizer CreateDetokenizer();
}

/// <summary>The chat template refused a conversation (e.g. raise_exception on a role order it does not allow); answered as 400.</summary>
public sealed class PromptRenderException(string message, Exception? inner = null) : Exception(message, inner);
