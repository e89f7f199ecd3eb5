using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Sampling;

/// <summary>The <c>n</c> largest entries of a row, largest first, by one pass with a small sorted buffer (n is at most 20 in the OpenAI API).</summary>
internal static class TopLogprobs
{
    public static TokenLogprob[] Select(ReadOnlySpan<float> row, int n)
    {
        var top = new TokenLogprob[n];
        var count = 0;
        for (var token = 0; token < row.Length; token++)
        {
            var value = row[token];
            if (count == n && value <= top[n - 1].Logprob)
                continue;
            var at = count < n ? count++ : n - 1;
            while (at > 0 && top[at - 1].Logprob < value)
            {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = new TokenLogprob(token, value);
        }
        return top;
    }
}
