using System.Text;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Contracts;

/// <summary>What every <see cref="IModelFileStore"/> does, run against the in-memory and the Redis one.</summary>
public abstract class ModelFileStoreContract
{
    protected abstract IModelFileStore CreateStore();

    private static readonly ModelKey Demo = new("demo", "ab12");

    private static ModelFiles FilesOf(ModelKey key, params (string Name, string Text)[] files) =>
        new(key, files.ToDictionary(f => f.Name, f => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(f.Text), StringComparer.Ordinal));

    [RedisFact]
    public async Task Publish_ThenFetch_ReturnsEveryFile()
    {
        var store = CreateStore();
        await store.PublishAsync(FilesOf(Demo, ("tokenizer.json", "{\"model\":{}}"), ("tokenizer_config.json", "{}"), ("chat_template.jinja", "{{ x }}")));

        var files = await store.FetchAsync(Demo);

        Assert.NotNull(files);
        Assert.Equal(Demo, files.Key);
        Assert.Equal(["chat_template.jinja", "tokenizer.json", "tokenizer_config.json"], files.Files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("{{ x }}", Encoding.UTF8.GetString(files.Files["chat_template.jinja"].Span));
        Assert.True(await store.ContainsAsync(Demo));
    }

    [RedisFact]
    public async Task Fetch_UnknownKey_IsNull()
    {
        var store = CreateStore();
        await store.PublishAsync(FilesOf(Demo, ("tokenizer.json", "{}")));

        Assert.Null(await store.FetchAsync(Demo with { TokenizerDigest = "other" }));
        Assert.Null(await store.FetchAsync(Demo with { Model = "other" }));
        Assert.False(await store.ContainsAsync(Demo with { TokenizerDigest = "other" }));
    }

    [RedisFact]
    public async Task Publish_Again_ReplacesTheWholeEntry()
    {
        var store = CreateStore();
        await store.PublishAsync(FilesOf(Demo, ("tokenizer.json", "old"), ("generation_config.json", "{}")));
        await store.PublishAsync(FilesOf(Demo, ("tokenizer.json", "new")));

        var files = await store.FetchAsync(Demo);

        Assert.Equal("new", Encoding.UTF8.GetString(Assert.Single(files!.Files).Value.Span));
    }

    [RedisFact]
    public async Task Publish_WithoutTokenizerOrWithAnUnknownName_IsRefused()
    {
        var store = CreateStore();

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PublishAsync(FilesOf(Demo, ("tokenizer_config.json", "{}"))));
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.PublishAsync(FilesOf(Demo, ("tokenizer.json", "{}"), ("../../etc/passwd", "x"))));
        Assert.False(await store.ContainsAsync(Demo));
    }

    [RedisFact]
    public async Task Publish_ElevenMegabyteTokenizer_RoundTripsByteForByte()
    {
        var store = CreateStore();
        // Qwen3's tokenizer.json is ~11 MB; seeded so a failure reproduces.
        var big = new byte[11 * 1024 * 1024 + 17];
        new Random(7).NextBytes(big);
        await store.PublishAsync(new ModelFiles(Demo, new Dictionary<string, ReadOnlyMemory<byte>>
        {
            ["tokenizer.json"] = big,
            ["tokenizer_config.json"] = "{}"u8.ToArray(),
        }));

        var files = await store.FetchAsync(Demo);

        Assert.True(files!.Files["tokenizer.json"].Span.SequenceEqual(big));
        Assert.Equal(big.Length + 2, files.NumBytes);
    }
}
