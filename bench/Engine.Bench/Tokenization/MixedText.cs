using System.Text;

namespace DynamoOrleans.Engine.Bench.Tokenization;

/// <summary>
/// A long, deterministic text mixing English prose, code, CJK, Cyrillic and emoji, with seeded
/// random identifiers and numbers so the BPE word cache also sees misses, as real traffic does.
/// </summary>
public static class MixedText
{
    private static readonly string[] Blocks =
    [
        "The quick brown fox jumps over the lazy dog. It's a well-known pangram, isn't it? We'll use it to test tokenizers; they've seen it before.\n",
        "public static int Fibonacci(int n)\n{\n    if (n < 2) return n;\n    return Fibonacci(n - 1) + Fibonacci(n - 2); // naive\n}\n",
        "def softmax(x):\n    e = np.exp(x - x.max(axis=-1, keepdims=True))\n    return e / e.sum(axis=-1, keepdims=True)\n",
        "大型语言模型的推理需要高效的分词器。今天天气很好，我们去公园散步吧！\n",
        "東京は日本の首都です。こんにちは、元気ですか？ 안녕하세요 세계, 반갑습니다.\n",
        "Привет, как дела? Это тест токенизатора с кириллицей.\n",
        "Emoji time 😀👍🏽🇫🇷 family 👨‍👩‍👧‍👦 rocket 🚀 and math ∑∫√∞ ≠ ≤ ≥.\n",
        "{\"model\": \"qwen3\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello!\"}], \"max_tokens\": 256}\n",
    ];

    public static string Build(int minChars, int seed = 42)
    {
        var random = new Random(seed);
        var builder = new StringBuilder(minChars + 1024);
        while (builder.Length < minChars)
        {
            builder.Append(Blocks[random.Next(Blocks.Length)]);
            // Fresh words and numbers: identifiers, hex, decimals.
            builder.Append("var_").Append(RandomWord(random)).Append(" = 0x").Append(random.Next().ToString("x", null))
                .Append("; value ").Append(random.NextDouble().ToString("F5", null)).Append(' ').Append(RandomWord(random)).Append(".\n");
        }
        return builder.ToString();
    }

    private static string RandomWord(Random random)
    {
        const string syllables = "ka,ri,to,mon,sel,ver,qua,zin,dro,pel,ux,ath,ion,gre,blo";
        var parts = syllables.Split(',');
        var word = new StringBuilder();
        for (var i = random.Next(2, 5); i > 0; i--)
            word.Append(parts[random.Next(parts.Length)]);
        return word.ToString();
    }
}
