using System.Globalization;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Bench;

/// <summary>The command line of <see cref="EngineWorkloadBenchmark"/> and the requests each workload makes.</summary>
public sealed record WorkloadSettings
{
    public required string Model { get; init; }

    public string Device { get; init; } = "cpu";

    /// <summary>nano-vllm, fixed or offline.</summary>
    public string Workload { get; init; } = "nano-vllm";

    public int NumSeqs { get; init; } = 256;

    /// <summary>Batch sizes of the fixed workload, one run each.</summary>
    public IReadOnlyList<int> FixedBatches { get; init; } = [1, 16, 64, 256];

    public int InputTokens { get; init; } = 128;

    public int OutputTokens { get; init; } = 256;

    /// <summary>nano-vllm draws prompt and output lengths uniformly from [MinLength, MaxLength].</summary>
    public int MinLength { get; init; } = 100;

    public int MaxLength { get; init; } = 1024;

    public int Seed { get; init; }

    public int MaxSequences { get; init; } = 256;

    public int MaxBatchTokens { get; init; } = 16384;

    public double GpuMemoryUtilization { get; init; } = 0.9;

    public string? OutPath { get; init; }

    /// <summary>CUDA only: prefill attention on tensor cores (CudaOptions.TensorCorePrefill); --cuda-core-prefill turns it off.</summary>
    public bool TensorCorePrefill { get; init; } = true;

    /// <summary>CUDA only: few-sequence decode on the GEMV kernels (CudaOptions.DecodeGemv); --cublas-decode turns it off.</summary>
    public bool DecodeGemv { get; init; } = true;

    /// <summary>CUDA only: decode attention on its own kernel (CudaOptions.DecodeAttention); --paged-decode turns it off.</summary>
    public bool DecodeAttention { get; init; } = true;

    /// <summary>CUDA only: programmatic dependent launch (CudaOptions.ProgrammaticLaunch); --no-pdl turns it off.</summary>
    public bool ProgrammaticLaunch { get; init; } = true;

    /// <summary>CUDA only: mixed steps' decodes on the decode kernel (CudaOptions.SplitMixedAttention); --whole-mixed-attention turns it off.</summary>
    public bool SplitMixedAttention { get; init; } = true;

    /// <summary>CUDA only: RMSNorms folded into the decode GEMVs (CudaOptions.FuseDecodeNorms); --unfused-norms turns it off.</summary>
    public bool FuseDecodeNorms { get; init; } = true;

    /// <summary>CUDA only: decode steps' q/k norm and RoPE in the attention kernel (CudaOptions.RopeInDecodeAttention); --rope-apart turns it off.</summary>
    public bool RopeInDecodeAttention { get; init; } = true;

    /// <summary>CUDA only: kernels trigger the next launch before their wait (CudaOptions.EarlyDependentLaunch); --late-trigger turns it off.</summary>
    public bool EarlyDependentLaunch { get; init; } = true;

    /// <summary>CUDA only: decode attention merges its splits itself (CudaOptions.CombineSplitsInKernel); --combine-in-kernel turns it on.</summary>
    public bool CombineSplitsInKernel { get; init; }

    public static WorkloadSettings Parse(string[] args)
    {
        var workload = Arg(args, "--workload") ?? "nano-vllm";
        var device = Arg(args, "--device") ?? "cpu";
        var offline = workload == "offline";
        var settings = new WorkloadSettings
        {
            // "demo" is the small random-weight model `dynamo serve --model demo` builds: the CPU smoke run.
            Model = Arg(args, "--model") is "demo" ? DynamoOrleans.Engine.Models.Demo.DemoModel.EnsureFolder() : Arg(args, "--model") ?? throw new ArgumentException("--model DIR (or demo) is required"),
            Device = device,
            Workload = workload,
            NumSeqs = Int(args, "--num-seqs") ?? 256,
            FixedBatches = Arg(args, "--batch") is { } list ? [.. list.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] : [1, 16, 64, 256],
            InputTokens = Int(args, "--input") ?? (offline ? 1024 : 128),
            OutputTokens = Int(args, "--output") ?? (offline ? 2048 : 256),
            MinLength = Int(args, "--min-len") ?? 100,
            MaxLength = Int(args, "--max-len") ?? 1024,
            Seed = Int(args, "--seed") ?? 0,
            MaxBatchTokens = Int(args, "--max-batch-tokens") ?? (device == "cuda" ? 16384 : 2048),
            GpuMemoryUtilization = Arg(args, "--gpu-memory-utilization") is { } g ? double.Parse(g, CultureInfo.InvariantCulture) : 0.9,
            OutPath = Arg(args, "--out"),
            TensorCorePrefill = !args.Contains("--cuda-core-prefill"),
            DecodeGemv = !args.Contains("--cublas-decode"),
            DecodeAttention = !args.Contains("--paged-decode"),
            ProgrammaticLaunch = !args.Contains("--no-pdl"),
            SplitMixedAttention = !args.Contains("--whole-mixed-attention"),
            FuseDecodeNorms = !args.Contains("--unfused-norms"),
            RopeInDecodeAttention = !args.Contains("--rope-apart"),
            EarlyDependentLaunch = !args.Contains("--late-trigger"),
            CombineSplitsInKernel = args.Contains("--combine-in-kernel"),
        };
        settings = settings with { MaxSequences = Int(args, "--max-num-seqs") ?? (workload == "fixed" ? settings.FixedBatches.Max() : 256) };
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (Workload is not ("nano-vllm" or "fixed" or "offline"))
            throw new ArgumentException($"--workload must be nano-vllm, fixed or offline, not '{Workload}'");
        if (NumSeqs < 1 || InputTokens < 1 || OutputTokens < 1 || MinLength < 1 || MaxLength < MinLength || FixedBatches.Any(b => b < 1))
            throw new ArgumentException("counts and lengths must be positive, and --max-len at least --min-len");
    }

    public IReadOnlyList<int> Batches() => Workload == "fixed" ? FixedBatches : [NumSeqs];

    public string Describe() => Workload switch
    {
        "nano-vllm" => $"nano-vllm's workload: {NumSeqs} requests, prompt and output lengths uniform in [{MinLength}, {MaxLength}], token ids < 10,000, temperature 0.6, ignore_eos, seed {Seed}",
        "offline" => $"offline throughput: {NumSeqs} requests of {InputTokens} random prompt tokens and {OutputTokens} output tokens, temperature 1.0, ignore_eos",
        _ => $"fixed: B requests of {InputTokens} random prompt tokens and {OutputTokens} output tokens each, greedy, ignore_eos, submitted at once",
    };

    /// <summary>
    /// The measured requests, or (<paramref name="warmUp"/>) as many short ones with other ids, which capture
    /// the decode graphs of every batch bucket the run passes through without filling the prefix cache.
    /// </summary>
    public IReadOnlyList<GenerateRequest> Requests(int vocabSize, int count, bool warmUp)
    {
        var random = new Random(Seed * 7919 + (warmUp ? 1 : 0) + count * 31);
        var idLimit = Workload == "nano-vllm" ? Math.Min(10_000, vocabSize) : vocabSize;
        var requests = new List<GenerateRequest>(count);
        for (var i = 0; i < count; i++)
        {
            var (prompt, output, temperature) = Workload switch
            {
                "nano-vllm" => (random.Next(MinLength, MaxLength + 1), random.Next(MinLength, MaxLength + 1), 0.6f),
                "offline" => (InputTokens, OutputTokens, 1.0f),
                _ => (InputTokens, OutputTokens, 0f),
            };
            if (warmUp)
                (prompt, output) = (Math.Min(prompt, 64), 8);
            var ids = new int[prompt];
            for (var t = 0; t < ids.Length; t++)
                ids[t] = random.Next(idLimit);
            requests.Add(new GenerateRequest($"{(warmUp ? "w" : "r")}{i}", ids,
                new SamplingParams { Temperature = temperature, MaxTokens = output, IgnoreEos = true }));
        }
        return requests;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int? Int(string[] args, string name) => Arg(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;
}
