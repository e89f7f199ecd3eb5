using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// The ranked merge table: for a pair of token ids, its rank (position in <c>merges</c>, lower
/// merges first) and the id of the merged token. Keys pack both ids into one long.
/// </summary>
internal sealed class BpeMerges
{
    private readonly Dictionary<long, (int Rank, int NewId)> _table;

    private BpeMerges(Dictionary<long, (int Rank, int NewId)> table) => _table = table;

    public int Count => _table.Count;

    public bool TryGet(int left, int right, out int rank, out int newId)
    {
        if (_table.TryGetValue(Key(left, right), out var merge))
        {
            (rank, newId) = merge;
            return true;
        }
        rank = newId = 0;
        return false;
    }

    /// <summary>Reads merges in either form: <c>"a b"</c> strings (older files) or <c>["a", "b"]</c> pairs.</summary>
    public static BpeMerges FromJson(JsonElement merges, string path, Dictionary<string, int> vocab)
    {
        if (merges.ValueKind != JsonValueKind.Array)
            throw new TokenizerFormatException($"{path} must be an array");
        var table = new Dictionary<long, (int Rank, int NewId)>(merges.GetArrayLength());
        var rank = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            var (left, right) = ReadPair(merge, $"{path}[{rank}]");
            var leftId = Lookup(vocab, left, $"{path}[{rank}]");
            var rightId = Lookup(vocab, right, $"{path}[{rank}]");
            var newId = Lookup(vocab, left + right, $"{path}[{rank}]");
            // Later duplicates win, as in Hugging Face's map built from the list.
            table[Key(leftId, rightId)] = (rank, newId);
            rank++;
        }
        return new BpeMerges(table);
    }

    private static (string Left, string Right) ReadPair(JsonElement merge, string path)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            var text = merge.GetString()!;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == text.Length - 1 || text.IndexOf(' ', space + 1) >= 0)
                throw new TokenizerFormatException($"{path} '{text}' must be two tokens separated by one space");
            return (text[..space], text[(space + 1)..]);
        }
        if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
            && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }
        throw new TokenizerFormatException($"{path} must be \"a b\" or [\"a\", \"b\"]");
    }

    private static int Lookup(Dictionary<string, int> vocab, string token, string path) =>
        vocab.TryGetValue(token, out var id)
            ? id
            : throw new TokenizerFormatException($"{path} uses '{token}', which is not in model.vocab");

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
