namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// A tokenizer.json (or tokenizer_config.json) that is malformed or uses a feature this tokenizer
/// does not implement. The message names the part, e.g. <c>pre_tokenizer.type 'Foo' is not supported</c>,
/// because encoding with a silently ignored component would produce wrong ids.
/// </summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException(string message)
        : base(message)
    {
    }

    public TokenizerFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TokenizerFormatException()
    {
    }
}
