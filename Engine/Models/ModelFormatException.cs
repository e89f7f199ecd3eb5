namespace DynamoOrleans.Engine.Models;

/// <summary>A model folder that cannot be served: a missing or malformed file, field or tensor, named in the message.</summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException()
    {
    }

    public ModelFormatException(string message)
        : base(message)
    {
    }

    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
