using System.Text.Json;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Serialization;

/// <summary>
/// A <see cref="WorkerCard"/> as JSON with a version field: cards are written every few seconds, not per token,
/// and JSON keeps them readable with <c>redis-cli GET</c>. Unknown fields are ignored, so newer writers can add some.
/// </summary>
public static class WorkerCardCodec
{
    public const int Version = 1;

    public static byte[] ToUtf8(WorkerCard card)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v"u8, Version);
            json.WriteString("id"u8, card.Id.ToString());
            json.WriteString("model"u8, card.Model);
            json.WriteString("tokenizer"u8, card.TokenizerDigest);
            json.WriteNumber("blockSize"u8, card.BlockSize);
            json.WriteNumber("maxContext"u8, card.MaxContextLength);
            json.WriteNumber("kvBlocks"u8, card.KvBlocksTotal);
            json.WriteString("role"u8, card.Role.ToString());
            json.WriteString("address"u8, card.Address);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static WorkerCard Read(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var version = root.GetProperty("v"u8).GetInt32();
        if (version != Version)
            throw new FormatException($"worker card version {version} is not supported (this build reads {Version})");
        return new WorkerCard(
            Id: WorkerId.Parse(root.GetProperty("id"u8).GetString()!),
            Model: root.GetProperty("model"u8).GetString()!,
            TokenizerDigest: root.GetProperty("tokenizer"u8).GetString()!,
            BlockSize: root.GetProperty("blockSize"u8).GetInt32(),
            MaxContextLength: root.GetProperty("maxContext"u8).GetInt32(),
            KvBlocksTotal: root.GetProperty("kvBlocks"u8).GetInt32(),
            Role: Enum.Parse<WorkerRole>(root.GetProperty("role"u8).GetString()!),
            Address: root.GetProperty("address"u8).GetString()!);
    }
}
