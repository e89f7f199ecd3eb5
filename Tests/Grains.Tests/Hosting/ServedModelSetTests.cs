using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Protocol;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Tests.Requests;
using DynamoOrleans.Routing;

namespace DynamoOrleans.Grains.Tests.Hosting;

/// <summary>The served-model set as cards join and leave, and what the API answers from it; no servers.</summary>
public sealed class ServedModelSetTests
{
    private static readonly ScriptedEngine Engine = new(breakAfter: null, firstToken: 10);

    private static ServedModelSet NewSet() =>
        ServedModelSet.Discovering(() => new RoutedEngineClient(new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = "round-robin" } }));

    private static WorkerCard Card(string node, string model = "scripted", string digest = "d1", int blockSize = 16) =>
        new(new WorkerId(node, 0), model, digest, blockSize, 4096, 100, WorkerRole.Aggregated, "http://" + node);

    private static void MarkReady(ServedModelEntry entry) =>
        entry.MarkReady(new ServedModel(entry.Key.Model, entry.Engine, new ByteLevelPreprocessor(), new GatewayOptions()));

    [Fact]
    public void Join_FirstCardOfAModel_CreatesItAndAsksForItsFiles()
    {
        var set = NewSet();

        var first = set.Join(Card("a"), Engine);
        var second = set.Join(Card("b"), Engine);

        Assert.True(first.NeedsFiles);
        Assert.False(second.NeedsFiles);
        Assert.Same(first.Model, second.Model);
        Assert.Equal(new ModelKey("scripted", "d1"), first.Model!.Key);
        Assert.Equal(2, first.Model.NumWorkers);
        Assert.Equal(ServedModelState.Loading, first.Model.State);
    }

    [Fact]
    public void Join_TwoModels_EachRoutesOnlyAmongItsOwnWorkers()
    {
        var set = NewSet();

        set.Join(Card("a", model: "m1"), Engine);
        set.Join(Card("b", model: "m2"), Engine);
        set.Join(Card("c", model: "m2", digest: "d2"), Engine);

        Assert.Equal(["a"], set.Find("m1")!.Engine.GetWorkers().Select(w => w.Id.Node));
        Assert.Equal(["b"], set.Find("m2")!.Engine.GetWorkers().Select(w => w.Id.Node));
        Assert.Equal(2, set.NumWorkers);
        Assert.Contains("tokenizer digest", set.Refused[new WorkerId("c", 0)], StringComparison.Ordinal);
    }

    [Fact]
    public void Join_OtherBlockSize_IsRefusedNamingTheGatewaysFlag()
    {
        var set = NewSet();

        var join = set.Join(Card("a", blockSize: 32), new Block32Engine());

        Assert.True(join.IsRefused);
        // The 16 is the gateway's --block-size, not that of a worker registered before (there is none).
        Assert.Contains("the gateway's --block-size is '16'", join.Refusal, StringComparison.Ordinal);
        Assert.Null(set.Find("scripted"));
        Assert.Single(set.Refused);
    }

    [Fact]
    public void Leave_RefusedWorker_DropsOffTheRefusedList()
    {
        var set = NewSet();
        set.Join(Card("a", blockSize: 32), new Block32Engine());

        set.Leave(new WorkerId("a", 0));

        Assert.Empty(set.Refused);
    }

    [Fact]
    public void Leave_LastWorker_KeepsTheModelKnownWithNoWorkers()
    {
        var set = NewSet();
        var model = set.Join(Card("a"), Engine).Model!;
        MarkReady(model);

        Assert.Same(model, set.Leave(new WorkerId("a", 0)));

        Assert.Same(model, set.Find("scripted"));
        Assert.Equal(ServedModelState.NoWorkers, model.State);
        Assert.Null(set.ModelOf(new WorkerId("a", 0)));
    }

    [Fact]
    public void Join_SameDigestAfterAllLeft_ReusesTheLoadedModel()
    {
        var set = NewSet();
        var model = set.Join(Card("a"), Engine).Model!;
        MarkReady(model);
        set.Leave(new WorkerId("a", 0));

        var back = set.Join(Card("b"), Engine);

        Assert.False(back.NeedsFiles);
        Assert.Same(model, back.Model);
        Assert.Equal(ServedModelState.Ready, model.State);
    }

    [Fact]
    public void Join_OtherDigestAfterAllLeft_ReplacesTheModelAndAsksForFiles()
    {
        var set = NewSet();
        var old = set.Join(Card("a"), Engine).Model!;
        set.Leave(new WorkerId("a", 0));

        var join = set.Join(Card("b", digest: "d2"), Engine);

        Assert.True(join.NeedsFiles);
        Assert.NotSame(old, join.Model);
        Assert.Equal("d2", set.Find("scripted")!.Key.TokenizerDigest);
        Assert.False(set.IsCurrent(old));
    }

    [Fact]
    public void Join_CardNowNamesAnotherModel_MovesTheWorker()
    {
        var set = NewSet();
        set.Join(Card("a", model: "m1"), Engine);

        set.Join(Card("a", model: "m2"), Engine);

        Assert.Equal(0, set.Find("m1")!.NumWorkers);
        Assert.Equal("m2", set.ModelOf(new WorkerId("a", 0))!.Key.Model);
    }

    [Fact]
    public void Resolve_UnknownWorkerlessLoadingAndReady_Answer404404503AndTheModel()
    {
        var set = NewSet();
        var served = new ClusterServedModels(set, fixedModel: null);
        var loading = set.Join(Card("a", model: "loading"), Engine).Model!;
        var gone = set.Join(Card("b", model: "gone"), Engine).Model!;
        MarkReady(gone);
        set.Leave(new WorkerId("b", 0));
        var ready = set.Join(Card("c", model: "ready"), Engine).Model!;
        MarkReady(ready);

        Assert.Equal(404, Assert.Throws<ApiError>(() => served.Resolve("nope")).StatusCode);
        var noWorkers = Assert.Throws<ApiError>(() => served.Resolve("gone"));
        Assert.Equal((404, "model_not_found"), (noWorkers.StatusCode, noWorkers.Code));
        var stillLoading = Assert.Throws<ApiError>(() => served.Resolve("loading"));
        Assert.Equal((503, "model_loading"), (stillLoading.StatusCode, stillLoading.Code));
        Assert.Same(ready.Served, served.Resolve("ready"));
        Assert.Equal(["ready"], served.List().Select(m => m.Name));
        Assert.Same(loading, set.Find("loading"));
    }

    [Fact]
    public void WriteHealth_ListsModelsAndRefusedWorkersWithTheirReason()
    {
        var set = NewSet();
        MarkReady(set.Join(Card("a"), Engine).Model!);
        set.Join(Card("b", digest: "other"), Engine);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            new ClusterServedModels(set, fixedModel: null).WriteHealth(writer);
            writer.WriteEndObject();
        }

        var health = JsonNode.Parse(buffer.WrittenSpan)!;

        Assert.Equal(1, health["workers"]!.GetValue<int>());
        var model = Assert.Single(health["models"]!.AsArray())!;
        Assert.Equal(("scripted", "ready", 1), (model["id"]!.GetValue<string>(), model["state"]!.GetValue<string>(), model["workers"]!.GetValue<int>()));
        var refused = Assert.Single(health["refused_workers"]!.AsArray())!;
        Assert.Equal("b/0", refused["id"]!.GetValue<string>());
        Assert.Contains("tokenizer digest is 'other'", refused["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>A worker whose engine, like its card, uses 32-token blocks.</summary>
    private sealed class Block32Engine : IEngineClient
    {
        public ModelCard Model { get; } = ScriptedEngine.ScriptedModel with { BlockSize = 32 };

        public IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public EngineLoad GetLoad() => new(0, 0, 0, 100, 0, 0, 0);
    }
}
