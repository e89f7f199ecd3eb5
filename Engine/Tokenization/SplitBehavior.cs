namespace DynamoOrleans.Engine.Tokenization;

/// <summary>What Split does with the text a pattern matches (Hugging Face's SplitDelimiterBehavior).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

internal static class SplitBehaviors
{
    public static SplitBehavior Parse(string? name, string path) => name switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw new TokenizerFormatException($"{path}.behavior '{name}' is not supported"),
    };

    /// <summary>
    /// Turns a piece's segments (consecutive, covering it, each flagged as a pattern match or not)
    /// into output pieces, following the folds in Hugging Face's <c>NormalizedString::split</c>.
    /// <paramref name="ranges"/> is scratch space.
    /// </summary>
    public static void Apply(
        SplitBehavior behavior,
        in Piece piece,
        List<(int Start, int End, bool IsMatch)> segments,
        List<(int Start, int End)> ranges,
        List<Piece> output)
    {
        ranges.Clear();
        var previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Removed:
                foreach (var (start, end, isMatch) in segments)
                {
                    if (!isMatch)
                        ranges.Add((start, end));
                }
                break;
            case SplitBehavior.Isolated:
                foreach (var (start, end, _) in segments)
                    ranges.Add((start, end));
                break;
            case SplitBehavior.Contiguous:
                foreach (var (start, end, isMatch) in segments)
                {
                    if (isMatch == previousMatch && ranges.Count > 0)
                        ranges[^1] = (ranges[^1].Start, end);
                    else
                        ranges.Add((start, end));
                    previousMatch = isMatch;
                }
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var (start, end, isMatch) in segments)
                {
                    if (isMatch && !previousMatch && ranges.Count > 0)
                        ranges[^1] = (ranges[^1].Start, end);
                    else
                        ranges.Add((start, end));
                    previousMatch = isMatch;
                }
                break;
            case SplitBehavior.MergedWithNext:
                // Hugging Face folds from the right: a match joins the segment that follows it.
                for (var i = segments.Count - 1; i >= 0; i--)
                {
                    var (start, end, isMatch) = segments[i];
                    if (isMatch && !previousMatch && ranges.Count > 0)
                        ranges[^1] = (start, ranges[^1].End);
                    else
                        ranges.Add((start, end));
                    previousMatch = isMatch;
                }
                ranges.Reverse();
                break;
        }
        foreach (var (start, end) in ranges)
        {
            if (end > start)
                output.Add(new Piece(piece.Text, piece.Start + start, end - start, piece.AtInputStart && start == 0));
        }
    }
}
