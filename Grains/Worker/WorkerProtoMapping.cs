using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Serving;
using Proto = DynamoOrleans.Grains.Interfaces.Protos;

namespace DynamoOrleans.Grains.Worker;

/// <summary>
/// Converts between the engine's C# contracts and the worker API's messages, every field explicitly
/// in both directions, so proto3's zero defaults never stand in for the C# defaults (temperature 1,
/// repetition penalty 1, logprob NaN).
/// </summary>
internal static class WorkerProtoMapping
{
    public static Proto.GenerateRequest ToProto(GenerateRequest request)
    {
        var s = request.Sampling;
        var sampling = new Proto.SamplingParams
        {
            Temperature = s.Temperature,
            TopP = s.TopP,
            TopK = s.TopK,
            MinP = s.MinP,
            PresencePenalty = s.PresencePenalty,
            FrequencyPenalty = s.FrequencyPenalty,
            RepetitionPenalty = s.RepetitionPenalty,
            MaxTokens = s.MaxTokens,
            MinTokens = s.MinTokens,
            IgnoreEos = s.IgnoreEos,
        };
        if (s.Seed is { } seed)
            sampling.Seed = seed;
        if (s.Logprobs is { } logprobs)
            sampling.Logprobs = logprobs;
        if (s.PromptLogprobs is { } promptLogprobs)
            sampling.PromptLogprobs = promptLogprobs;
        sampling.StopTokenIds.AddRange(s.StopTokenIds);
        var message = new Proto.GenerateRequest { RequestId = request.RequestId, Sampling = sampling, Priority = request.Priority };
        message.PromptTokenIds.AddRange(request.PromptTokenIds);
        return message;
    }

    /// <exception cref="ArgumentException">The message lacks a request id or sampling parameters.</exception>
    public static GenerateRequest FromProto(Proto.GenerateRequest message)
    {
        if (string.IsNullOrEmpty(message.RequestId))
            throw new ArgumentException("request_id is required");
        var s = message.Sampling ?? throw new ArgumentException("sampling is required");
        var sampling = new SamplingParams
        {
            Temperature = s.Temperature,
            TopP = s.TopP,
            TopK = s.TopK,
            MinP = s.MinP,
            Seed = s.HasSeed ? s.Seed : null,
            PresencePenalty = s.PresencePenalty,
            FrequencyPenalty = s.FrequencyPenalty,
            RepetitionPenalty = s.RepetitionPenalty,
            MaxTokens = s.MaxTokens,
            MinTokens = s.MinTokens,
            StopTokenIds = [.. s.StopTokenIds],
            IgnoreEos = s.IgnoreEos,
            Logprobs = s.HasLogprobs ? s.Logprobs : null,
            PromptLogprobs = s.HasPromptLogprobs ? s.PromptLogprobs : null,
        };
        return new GenerateRequest(message.RequestId, [.. message.PromptTokenIds], sampling) { Priority = message.Priority };
    }

    /// <summary>Overwrites <paramref name="target"/>, so the server reuses one message for a whole stream.</summary>
    public static void CopyTo(in TokenOutput output, Proto.TokenOutput target)
    {
        target.TokenId = output.TokenId;
        target.Finish = ToProto(output.Finish);
        if (float.IsNaN(output.Logprob))
            target.ClearLogprob();
        else
            target.Logprob = output.Logprob;
        target.CachedPromptTokens = output.CachedPromptTokens;
        target.TopLogprobs.Clear();
        if (output.TopLogprobs is { } top)
        {
            foreach (var alternative in top)
                target.TopLogprobs.Add(new Proto.TokenLogprob { TokenId = alternative.TokenId, Logprob = alternative.Logprob });
        }
    }

    public static TokenOutput FromProto(Proto.TokenOutput message)
    {
        TokenLogprob[]? top = null;
        if (message.TopLogprobs.Count > 0)
        {
            top = new TokenLogprob[message.TopLogprobs.Count];
            for (var i = 0; i < top.Length; i++)
                top[i] = new TokenLogprob(message.TopLogprobs[i].TokenId, message.TopLogprobs[i].Logprob);
        }
        return new TokenOutput(message.TokenId, FromProto(message.Finish))
        {
            Logprob = message.HasLogprob ? message.Logprob : float.NaN,
            TopLogprobs = top,
            CachedPromptTokens = message.CachedPromptTokens,
        };
    }

    public static Proto.FinishReason ToProto(FinishReason? finish) => finish switch
    {
        null => Proto.FinishReason.None,
        FinishReason.Stop => Proto.FinishReason.Stop,
        FinishReason.Length => Proto.FinishReason.Length,
        FinishReason.Cancelled => Proto.FinishReason.Cancelled,
        _ => Proto.FinishReason.Error,
    };

    public static FinishReason? FromProto(Proto.FinishReason finish) => finish switch
    {
        Proto.FinishReason.None => null,
        Proto.FinishReason.Stop => FinishReason.Stop,
        Proto.FinishReason.Length => FinishReason.Length,
        Proto.FinishReason.Cancelled => FinishReason.Cancelled,
        // An unknown value from a newer worker still ends the stream rather than hanging it.
        _ => FinishReason.Error,
    };

    public static Proto.ModelCard ToProto(ModelCard card)
    {
        var message = new Proto.ModelCard
        {
            Name = card.Name,
            MaxContextLength = card.MaxContextLength,
            BlockSize = card.BlockSize,
            VocabSize = card.VocabSize,
        };
        message.EosTokenIds.AddRange(card.EosTokenIds);
        return message;
    }

    public static ModelCard FromProto(Proto.ModelCard message) =>
        new(message.Name, message.MaxContextLength, message.BlockSize, message.VocabSize, [.. message.EosTokenIds]);

    public static Proto.LoadResponse ToProto(EngineLoad load, bool isDraining) => new()
    {
        NumRunning = load.NumRunning,
        NumWaiting = load.NumWaiting,
        KvBlocksUsed = load.KvBlocksUsed,
        KvBlocksTotal = load.KvBlocksTotal,
        PrefixHitRate = load.PrefixHitRate,
        ActivePrefillTokens = load.ActivePrefillTokens,
        ActiveDecodeBlocks = load.ActiveDecodeBlocks,
        IsDraining = isDraining,
    };

    public static EngineLoad FromProto(Proto.LoadResponse message) => new(
        message.NumRunning, message.NumWaiting, message.KvBlocksUsed, message.KvBlocksTotal,
        message.PrefixHitRate, message.ActivePrefillTokens, message.ActiveDecodeBlocks);

    public static Proto.KvIndexResponse ToProto(KvIndexSnapshot snapshot)
    {
        var message = new Proto.KvIndexResponse { EventId = snapshot.EventId, BlockSize = snapshot.BlockSize };
        foreach (var block in snapshot.Blocks)
        {
            var entry = new Proto.CachedBlock { SequenceHash = block.SequenceHash, LocalHash = block.LocalHash };
            if (block.ParentHash is { } parent)
                entry.ParentHash = parent;
            message.Blocks.Add(entry);
        }
        return message;
    }

    public static KvIndexSnapshot FromProto(Proto.KvIndexResponse message)
    {
        var blocks = new CachedBlock[message.Blocks.Count];
        for (var i = 0; i < blocks.Length; i++)
        {
            var b = message.Blocks[i];
            blocks[i] = new CachedBlock(b.SequenceHash, b.LocalHash, b.HasParentHash ? b.ParentHash : null);
        }
        return new KvIndexSnapshot(message.EventId, message.BlockSize, blocks);
    }
}
