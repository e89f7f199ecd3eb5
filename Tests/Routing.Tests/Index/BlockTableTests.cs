using DynamoOrleans.Routing.Index;

namespace DynamoOrleans.Routing.Tests.Index;

public sealed class BlockTableTests
{
    [Fact]
    public void RandomOperations_AgreeWithAReferenceMap()
    {
        // Small key range and table: many collisions, growth, backward-shift deletes and slot clears.
        var random = new Random(7);
        var table = new BlockTable(1, 8);
        var reference = new Dictionary<ulong, HashSet<int>>();
        for (var step = 0; step < 200_000; step++)
        {
            var hash = (ulong)random.Next(2_000) * 0x1_0000_0001UL;
            var slot = random.Next(6);
            switch (random.Next(10))
            {
                case < 5:
                    Assert.Equal(AddRef(reference, hash, slot), table.Add(hash, slot));
                    break;
                case < 9:
                    Assert.Equal(RemoveRef(reference, hash, slot), table.Remove(hash, slot));
                    break;
                default:
                    var expected = 0;
                    foreach (var (key, slots) in reference.ToArray())
                        if (slots.Remove(slot))
                        {
                            expected++;
                            if (slots.Count == 0)
                                reference.Remove(key);
                        }
                    Assert.Equal(expected, table.RemoveSlot(slot));
                    break;
            }
            Assert.Equal(reference.Count, table.Count);
        }
        foreach (var (key, slots) in reference)
        {
            var at = table.Find(key);
            Assert.True(at >= 0);
            foreach (var slot in slots)
                Assert.NotEqual(0UL, table.Cells[at + 1] & (1UL << slot));
        }
    }

    [Fact]
    public void Widen_KeepsEntriesAndAcceptsHigherSlots()
    {
        var table = new BlockTable(1, 16);
        table.Add(5, 3);
        table.Widen(3);

        Assert.True(table.Add(5, 130));
        var at = table.Find(5);
        Assert.NotEqual(0UL, table.Cells[at + 1] & (1UL << 3));
        Assert.NotEqual(0UL, table.Cells[at + 3] & (1UL << (130 - 128)));
    }

    [Fact]
    public void ZeroHash_IsAnOrdinaryKey()
    {
        var table = new BlockTable(1, 16);

        Assert.True(table.Add(0, 0));
        Assert.True(table.Find(0) >= 0);
        Assert.True(table.Remove(0, 0));
        Assert.Equal(-1, table.Find(0));
    }

    private static bool AddRef(Dictionary<ulong, HashSet<int>> map, ulong hash, int slot)
    {
        if (!map.TryGetValue(hash, out var slots))
            map[hash] = slots = [];
        return slots.Add(slot);
    }

    private static bool RemoveRef(Dictionary<ulong, HashSet<int>> map, ulong hash, int slot)
    {
        if (!map.TryGetValue(hash, out var slots) || !slots.Remove(slot))
            return false;
        if (slots.Count == 0)
            map.Remove(hash);
        return true;
    }
}
