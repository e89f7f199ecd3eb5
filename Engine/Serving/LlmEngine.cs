using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Sampling;
using DynamoOrleans.Engine.Scheduling;

namespace DynamoOrleans.Engine.Serving;

/// <summary>
/// The synchronous engine core, as in nano-vllm: <see cref="Step"/> schedules, runs the model once
/// and turns the logits into tokens. Single-threaded; <see cref="EngineClient"/> drives it from a
/// background thread and tests drive it directly.
/// </summary>
public sealed class LlmEngine : IDisposable
{
    private readonly IModelRunner _runner;
    private readonly IDisposable? _owned;
    private readonly ForwardBatch _batch;
    private readonly float[] _logits;
    private readonly int[] _tokens;
    private readonly SamplingRow[] _rows;
    private readonly Random _sharedRandom;
    private readonly Sampler _sampler;
    private readonly List<StepOutput> _outputs = [];
    private readonly HashSet<int> _eosTokenIds;
    private long _nextSequenceId;

    /// <param name="owned">Disposed with the engine: the runner and its model folder when a factory created them.</param>
    public LlmEngine(IModelRunner runner, EngineOptions options, ModelCard? card = null, IKvEventSink? kvEvents = null, IDisposable? owned = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        if (options.BlockSize != runner.BlockSize)
            throw new ArgumentException($"EngineOptions.BlockSize is {options.BlockSize} but the runner's KV blocks hold {runner.BlockSize} tokens");
        _runner = runner;
        _owned = owned;
        Options = options;

        var numBlocks = Math.Min(runner.NumKvBlocks, options.MaxKvBlocks ?? int.MaxValue);
        Blocks = new BlockManager(numBlocks, runner.BlockSize, kvEvents);
        Scheduler = new Scheduler(Blocks, options.MaxBatchTokens, options.MaxSequences);

        var maxContext = Math.Min(runner.MaxContextLength, options.MaxContextLength ?? int.MaxValue);
        // A sequence longer than the whole cache could never be scheduled, even alone.
        maxContext = (int)Math.Min(maxContext, (long)numBlocks * runner.BlockSize);
        var eos = card?.EosTokenIds ?? [];
        Model = new ModelCard(card?.Name ?? options.ModelName ?? "model", maxContext, runner.BlockSize, runner.VocabSize, eos);
        _eosTokenIds = [.. eos];

        _batch = new ForwardBatch(options.MaxBatchTokens, options.MaxSequences, ForwardBatch.BlocksFor(maxContext, runner.BlockSize));
        _logits = new float[options.MaxSequences * runner.VocabSize];
        _tokens = new int[options.MaxSequences];
        _rows = new SamplingRow[options.MaxSequences];
        var shared = options.Seed is { } seed ? new Random(seed) : new Random();
        _sharedRandom = shared;
        _sampler = new Sampler(runner.VocabSize, eos, shared);
    }

    public ModelCard Model { get; }

    public EngineOptions Options { get; }

    public Scheduler Scheduler { get; }

    public BlockManager Blocks { get; }

    public bool HasWork => Scheduler.HasWork;

    public long NumSteps { get; private set; }

    /// <summary>Tokens the runner actually computed (prefix hits excluded).</summary>
    public long NumComputedTokens { get; private set; }

    public long NumGeneratedTokens { get; private set; }

    /// <summary>Validates and queues a request; it joins the batch at the next step.</summary>
    public Sequence AddRequest(GenerateRequest request)
    {
        RequestValidator.ThrowIfInvalid(request, Model.VocabSize, Model.MaxContextLength);
        var seq = new Sequence(_nextSequenceId++, request.RequestId, request.PromptTokenIds, request.Sampling, request.Priority);
        if (request.Sampling.Seed is { } seed)
            seq.Random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        Scheduler.Add(seq);
        return seq;
    }

    /// <summary>Drops a request wherever it is and frees its blocks.</summary>
    public void Abort(Sequence sequence) => Scheduler.Finish(sequence, FinishReason.Cancelled);

    /// <summary>Ends every request with <paramref name="reason"/>, returning them (for an engine failure or shutdown).</summary>
    public IReadOnlyList<Sequence> FinishAll(FinishReason reason)
    {
        var all = Scheduler.Running.Concat(Scheduler.Waiting).ToList();
        foreach (var seq in all)
            Scheduler.Finish(seq, reason);
        return all;
    }

    /// <summary>One engine iteration: schedule, forward, sample. Returns this step's tokens; the list is reused by the next call.</summary>
    public IReadOnlyList<StepOutput> Step()
    {
        _outputs.Clear();
        var scheduled = Scheduler.Schedule(_batch);
        if (scheduled.Count == 0)
        {
            // With nothing running every block is free, so the queue head always fits; an empty step means a bookkeeping bug, not a wait.
            if (HasWork)
                throw new InvalidOperationException($"the scheduler found nothing to run with {Scheduler.NumWaiting} waiting and {Blocks.NumFreeBlocks} free blocks");
            return _outputs;
        }

        var vocab = Model.VocabSize;
        var rows = _batch.NumLogitRows;
        var allGreedy = false;
        var device = _runner as IDeviceSamplingRunner;
        var onDevice = device is not null && PrepareDeviceSampling(scheduled, out allGreedy);
        if (onDevice && allGreedy)
            device!.ForwardGreedy(_batch, _tokens.AsSpan(0, rows));
        else if (onDevice)
            device!.ForwardSample(_batch, _rows.AsSpan(0, rows), _tokens.AsSpan(0, rows));
        else
            _runner.Forward(_batch, _logits.AsSpan(0, rows * vocab));
        NumSteps++;
        NumComputedTokens += _batch.NumTokens;
        Scheduler.CompleteStep();

        for (var row = 0; row < scheduled.Count; row++)
        {
            var seq = scheduled[row];
            if (seq.NumComputedTokens < seq.NumTokens)
                continue; // a prefill chunk short of the end: nothing to sample yet
            var sampled = onDevice
                ? new SampledToken(_tokens[row], float.NaN, null)
                : _sampler.Sample(_logits.AsSpan(row * vocab, vocab), seq);
            seq.AppendToken(sampled.TokenId);
            NumGeneratedTokens++;
            var finish = CheckFinish(seq, sampled.TokenId);
            _outputs.Add(new StepOutput(seq, new TokenOutput(sampled.TokenId, finish)
            {
                Logprob = sampled.Logprob,
                TopLogprobs = sampled.TopLogprobs,
                CachedPromptTokens = seq.NumCachedPromptTokens,
            }));
            if (finish is { } reason)
                Scheduler.Finish(seq, reason);
        }
        return _outputs;
    }

    /// <summary>Load as the router reads it. Call on the engine's thread.</summary>
    public EngineLoad GetLoad()
    {
        var prefillTokens = Scheduler.NumWaitingTokens;
        var decodeBlocks = 0;
        var running = Scheduler.Running;
        for (var i = 0; i < running.Count; i++)
        {
            var seq = running[i];
            if (seq.IsPrefilling)
                prefillTokens += seq.NumTokens - seq.NumComputedTokens;
            else
                decodeBlocks += seq.BlockTable.Count;
        }
        return new EngineLoad(Scheduler.NumRunning, Scheduler.NumWaiting, Blocks.NumUsedBlocks, Blocks.NumBlocks,
            Blocks.PrefixHitRate, (int)Math.Min(prefillTokens, int.MaxValue), decodeBlocks);
    }

    /// <summary>Runs requests to completion on the calling thread and returns each one's tokens, in request order.</summary>
    public IReadOnlyList<int[]> Generate(IReadOnlyList<GenerateRequest> requests)
    {
        var sequences = requests.Select(AddRequest).ToList();
        while (HasWork)
            Step();
        return sequences.Select(s => s.OutputTokenIds.ToArray()).ToList();
    }

    public void Dispose() => _owned?.Dispose();

    /// <summary>
    /// Fills one <see cref="SamplingRow"/> per scheduled sequence when every row can be sampled where the logits
    /// live (the GPU's serving steps are mostly such); false sends the step's logits to the host sampler. Each
    /// row that will produce a token this step draws its uniform number from the request's generator, so a
    /// seeded request repeats whatever shares its batch.
    /// </summary>
    private bool PrepareDeviceSampling(IReadOnlyList<Sequence> scheduled, out bool allGreedy)
    {
        allGreedy = true;
        for (var i = 0; i < scheduled.Count; i++)
        {
            if (!Sampler.CanSampleOnDevice(scheduled[i]))
                return false;
            allGreedy &= scheduled[i].Sampling.Temperature < Sampler.GreedyTemperature;
        }
        if (allGreedy)
            return true;
        for (var row = 0; row < scheduled.Count; row++)
        {
            var seq = scheduled[row];
            var s = seq.Sampling;
            var samplesNow = seq.NumComputedTokens + _batch.QueryLength(row) >= seq.NumTokens;
            _rows[row] = s.Temperature < Sampler.GreedyTemperature || !samplesNow
                ? SamplingRow.Greedy
                : new SamplingRow(s.Temperature, s.TopK, s.TopP, (seq.Random ?? _sharedRandom).NextSingle());
        }
        return true;
    }

    private FinishReason? CheckFinish(Sequence seq, int tokenId)
    {
        var sampling = seq.Sampling;
        if (seq.NumOutputTokens >= sampling.MinTokens)
        {
            if (!sampling.IgnoreEos && _eosTokenIds.Contains(tokenId))
                return FinishReason.Stop;
            for (var i = 0; i < sampling.StopTokenIds.Count; i++)
                if (sampling.StopTokenIds[i] == tokenId)
                    return FinishReason.Stop;
        }
        if (seq.NumOutputTokens >= sampling.MaxTokens || seq.NumTokens >= Model.MaxContextLength)
            return FinishReason.Length;
        return null;
    }
}
