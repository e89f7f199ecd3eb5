using System.Text;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>Digits: isolates numeric characters, each on its own or in runs (<c>individual_digits</c>).</summary>
internal sealed class DigitsPreTokenizer(bool individualDigits) : PreTokenizer
{
    public override void Split(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            var span = piece.Span;
            var start = 0;
            var previousNumeric = false;
            for (var i = 0; i < span.Length;)
            {
                Rune.DecodeFromUtf16(span[i..], out var rune, out var width);
                var numeric = Rune.IsNumber(rune);
                var cut = i > start && (numeric != previousNumeric || (numeric && individualDigits));
                if (cut)
                {
                    output.Add(new Piece(piece.Text, piece.Start + start, i - start, piece.AtInputStart && start == 0));
                    start = i;
                }
                previousNumeric = numeric;
                i += width;
            }
            if (span.Length > start)
                output.Add(new Piece(piece.Text, piece.Start + start, span.Length - start, piece.AtInputStart && start == 0));
        }
    }
}
