using System.CommandLine;
using System.Globalization;
using System.Numerics.Tensors;
using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Cli.Commands;

/// <summary>
/// <c>dynamo logits</c>: runs the engine's forward pass over every <c>caseN.input_ids</c> of a reference
/// file, writes the logits at every position and a greedy continuation decoded through the KV cache,
/// and prints how far they are from the reference.
/// </summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Hugging Face model folder", Required = true };
        var reference = new Option<FileInfo>("--reference") { Description = "safetensors with caseN.input_ids (and optionally caseN.logits, caseN.greedy)", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "safetensors to write caseN.logits and caseN.greedy into", Required = true };
        var greedyTokens = new Option<int>("--greedy-tokens") { Description = "Greedy tokens per case when the reference has none", DefaultValueFactory = _ => 16 };
        var command = new Command("logits", "Compute logits and greedy tokens for reference prompts and compare them") { model, reference, output, greedyTokens };
        command.SetAction(parse => CliRun.Guard(() => Run(
            parse.GetValue(model)!.FullName, parse.GetValue(reference)!.FullName, parse.GetValue(output)!.FullName,
            parse.GetValue(greedyTokens), Console.Out)));
        return command;
    }

    public static int Run(string modelDir, string referencePath, string outPath, int defaultGreedyTokens, TextWriter log)
    {
        using var reference = SafetensorsArchive.Open(referencePath);
        var caseNames = reference.Names
            .Where(n => n.EndsWith(".input_ids", StringComparison.Ordinal))
            .Select(n => n[..^".input_ids".Length])
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();
        if (caseNames.Count == 0)
            throw new CliException($"{referencePath} has no caseN.input_ids tensors");

        var prompts = caseNames.ToDictionary(c => c, c => Array.ConvertAll(reference.Get(c + ".input_ids").ToInt64Array(), v => checked((int)v)));
        var greedyCounts = caseNames.ToDictionary(c => c, c => reference.TryGet(c + ".greedy", out var g) ? (int)g.ElementCount : defaultGreedyTokens);
        var longest = caseNames.Max(c => prompts[c].Length + greedyCounts[c]);

        using var model = ModelFolder.Open(modelDir);
        var blockSize = new KvCacheOptions().BlockSize;
        var numBlocks = ForwardBatch.BlocksFor(longest, blockSize);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = numBlocks }, maxBatchTokens: Math.Max(1, prompts.Values.Max(p => p.Length)), maxSequences: 1);
        var blockTable = Enumerable.Range(0, numBlocks).ToArray();
        var batch = new ForwardBatch(runner.MaxBatchTokens, 1, numBlocks);

        var outputs = new List<SafetensorsTensor>();
        var vocab = runner.VocabSize;
        foreach (var name in caseNames)
        {
            var prompt = prompts[name];
            var logits = new float[prompt.Length * vocab];
            batch.Clear(blockSize);
            batch.ComputeAllLogits = true;
            batch.AddSequence(prompt, 0, blockTable);
            runner.Forward(batch, logits);
            var greedy = Greedy(runner, batch, blockTable, prompt, logits.AsSpan(logits.Length - vocab), greedyCounts[name]);
            outputs.Add(SafetensorsTensor.F32(name + ".logits", logits, prompt.Length, vocab));
            outputs.Add(SafetensorsTensor.I64(name + ".greedy", Array.ConvertAll(greedy, t => (long)t), greedy.Length));
            log.WriteLine(Compare(reference, name, prompt.Length, logits, greedy));
        }
        SafetensorsWriter.Write(outPath, outputs);
        log.WriteLine($"wrote {outputs.Count} tensors to {outPath}");
        return 0;
    }

    private static int[] Greedy(CpuModelRunner runner, ForwardBatch batch, int[] blockTable, int[] prompt, ReadOnlySpan<float> lastLogits, int count)
    {
        var tokens = new int[count];
        var logits = new float[runner.VocabSize];
        lastLogits.CopyTo(logits);
        for (var i = 0; i < count; i++)
        {
            tokens[i] = TensorPrimitives.IndexOfMax<float>(logits);
            if (i == count - 1)
                break;
            batch.Clear(runner.BlockSize);
            batch.AddSequence([tokens[i]], prompt.Length + i, blockTable);
            runner.Forward(batch, logits);
        }
        return tokens;
    }

    private static string Compare(SafetensorsArchive reference, string name, int length, float[] logits, int[] greedy)
    {
        var line = $"{name}: {length} prompt tokens";
        if (reference.TryGet(name + ".logits", out var expectedLogits))
        {
            if (expectedLogits.ElementCount != logits.Length)
                throw new CliException($"{name}.logits in the reference has {expectedLogits.ElementCount} values; the model gives {logits.Length}");
            var expected = expectedLogits.ToFloatArray();
            var maxDiff = 0f;
            for (var i = 0; i < logits.Length; i++)
                maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - logits[i]));
            line += string.Create(CultureInfo.InvariantCulture, $", max |Δlogit| = {maxDiff:E2}");
        }
        if (reference.TryGet(name + ".greedy", out var expectedGreedy))
        {
            var expected = expectedGreedy.ToInt64Array();
            var agree = 0;
            while (agree < greedy.Length && agree < expected.Length && expected[agree] == greedy[agree])
                agree++;
            line += $", greedy agrees on {agree}/{expected.Length} tokens" + (agree < expected.Length ? $" (first difference at step {agree})" : "");
        }
        return line;
    }
}
