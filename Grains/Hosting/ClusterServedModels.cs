using System.Text.Json;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Protocol;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// The gateway API's view of a <see cref="ServedModelSet"/>. Discovered models: a name no worker ever brought,
/// or one whose workers all left, is 404 <c>model_not_found</c> (clients should not retry it); one whose workers
/// are there but whose tokenizer and template are still loading is 503 (retry shortly). A fixed model
/// (<c>--model-dir</c>) answers as <c>dynamo serve</c> does, with 503 from the router when no worker is left.
/// /health lists each model's workers and state and the workers refused, with why.
/// </summary>
public sealed class ClusterServedModels : IServedModels
{
    private readonly ServedModelSet _set;
    private readonly SingleServedModel? _fixed;

    public ClusterServedModels(ServedModelSet set, SingleServedModel? fixedModel)
    {
        _set = set;
        _fixed = fixedModel;
    }

    public string DisplayName
    {
        get
        {
            if (_fixed is not null) return _fixed.DisplayName;
            var live = List();
            return live.Count switch { 0 => "", 1 => live[0].Name, _ => string.Join(",", live.Select(m => m.Name)) };
        }
    }

    public ServedModel Resolve(string model)
    {
        if (_fixed is not null) return _fixed.Resolve(model);
        var entry = _set.Find(model) ?? throw ApiError.ModelNotFound(model);
        return entry.State switch
        {
            ServedModelState.Ready => entry.Served!,
            ServedModelState.NoWorkers => throw new ApiError(404, $"The model `{model}` has no live worker: every worker serving it has left.",
                "invalid_request_error", "model", "model_not_found"),
            ServedModelState.FilesFailed => throw new ApiError(503, $"The model `{model}` cannot be served yet: loading its tokenizer and chat template failed ({entry.LoadError}); retrying.",
                "service_unavailable", null, "model_loading"),
            _ => throw new ApiError(503, $"The model `{model}` is loading its tokenizer and chat template. Please retry shortly.", "service_unavailable", null, "model_loading"),
        };
    }

    public IReadOnlyList<ServedModel> List()
    {
        if (_fixed is not null) return _fixed.List();
        var live = new List<ServedModel>();
        foreach (var entry in _set.Models)
            if (entry.State == ServedModelState.Ready) live.Add(entry.Served!);
        live.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return live;
    }

    public EngineLoad GetLoad()
    {
        int running = 0, waiting = 0, used = 0, total = 0, prefill = 0, decode = 0, withWorkers = 0;
        var hitRate = 0.0;
        foreach (var entry in _set.Models)
        {
            if (entry.NumWorkers == 0) continue;
            var load = entry.Engine.GetLoad();
            running += load.NumRunning;
            waiting += load.NumWaiting;
            used += load.KvBlocksUsed;
            total += load.KvBlocksTotal;
            prefill += load.ActivePrefillTokens;
            decode += load.ActiveDecodeBlocks;
            hitRate += load.PrefixHitRate;
            withWorkers++;
        }
        return new EngineLoad(running, waiting, used, total, withWorkers == 0 ? 0 : hitRate / withWorkers, prefill, decode);
    }

    public void WriteHealth(Utf8JsonWriter writer)
    {
        writer.WriteNumber("workers"u8, _set.NumWorkers);
        writer.WriteStartArray("models"u8);
        foreach (var entry in _set.Models.OrderBy(e => e.Key.Model, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, entry.IsFixed ? _fixed!.DisplayName : entry.Key.Model);
            if (!entry.IsFixed) writer.WriteString("tokenizer_digest"u8, entry.Key.TokenizerDigest);
            writer.WriteNumber("workers"u8, entry.NumWorkers);
            writer.WriteString("state"u8, entry.IsFixed ? (entry.NumWorkers == 0 ? "no_workers" : "ready") : StateName(entry.State));
            if (entry.LoadError is { } error) writer.WriteString("error"u8, error);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("refused_workers"u8);
        foreach (var (worker, reason) in _set.Refused.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, worker.ToString());
            writer.WriteString("reason"u8, reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static string StateName(ServedModelState state) => state switch
    {
        ServedModelState.Ready => "ready",
        ServedModelState.Loading => "loading",
        ServedModelState.FilesFailed => "files_failed",
        _ => "no_workers",
    };
}
