namespace DynamoOrleans.Engine.Serving;

/// <summary>What a served model looks like from outside: the gateway validates requests against it and routers match block sizes.</summary>
public sealed record ModelCard(
    string Name,
    int MaxContextLength,
    int BlockSize,
    int VocabSize,
    IReadOnlyList<int> EosTokenIds);
