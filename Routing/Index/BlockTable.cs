using System.Numerics;
using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Routing.Index;

/// <summary>
/// An open-addressing hash table from a block's sequence hash to the set of worker slots holding it,
/// stored as a bitset inline beside the key: one entry is <c>[hash, bits0 … bits(W-1)]</c>, so a
/// lookup touches one cache line for up to 448 workers. Linear probing with backward-shift deletion
/// (no tombstones); an entry whose bits are all zero is empty, so any hash value, 0 included, is a key.
/// Not thread-safe: <see cref="KvIndex"/> serializes access.
/// </summary>
internal sealed class BlockTable
{
    private const ulong Fibonacci = 0x9E3779B97F4A7C15UL;

    private ulong[] _cells;
    private int _capacity;
    private int _shift;
    private int _words;

    public BlockTable(int words, int initialCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(words, 1);
        _words = words;
        _capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity * 2));
        _shift = 64 - BitOperations.Log2((uint)_capacity);
        _cells = new ulong[_capacity * Stride];
    }

    /// <summary>Bitset words per entry: the table holds slots 0 … 64·Words−1.</summary>
    public int Words => _words;

    /// <summary>Distinct hashes held by at least one slot.</summary>
    public int Count { get; private set; }

    private int Stride => _words + 1;

    /// <summary>The backing cells, for the overlap walk; valid until the next write.</summary>
    public ulong[] Cells => _cells;

    // Sequence hashes are XXH3 output, but tests and predicted mode may feed small integers; the
    // multiply spreads those too.
    private int Home(ulong hash) => (int)((hash * Fibonacci) >> _shift);

    private bool IsEmpty(int at)
    {
        var cells = _cells;
        // One word (up to 64 workers) is the common case; keep it a single compare.
        if (_words == 1)
            return cells[at + 1] == 0;
        for (var w = 1; w <= _words; w++)
            if (cells[at + w] != 0)
                return false;
        return true;
    }

    /// <summary>Offset of the hash's entry in <see cref="Cells"/> (its bits start one further), or −1.</summary>
    public int Find(ulong hash)
    {
        var mask = _capacity - 1;
        if (_words == 1)
        {
            var cells = _cells;
            for (var i = Home(hash); ; i = (i + 1) & mask)
            {
                var at = i << 1;
                if (cells[at + 1] == 0)
                    return -1;
                if (cells[at] == hash)
                    return at;
            }
        }
        var stride = Stride;
        for (var i = Home(hash); ; i = (i + 1) & mask)
        {
            var at = i * stride;
            if (IsEmpty(at))
                return -1;
            if (_cells[at] == hash)
                return at;
        }
    }

    /// <summary>
    /// Reads the home cell of each hash and returns a value that depends on all of them. The loads
    /// are independent, so the CPU overlaps their cache misses; the inserts that follow then hit
    /// cache instead of waiting for memory one block at a time (a 1M-block table is far larger than L2).
    /// </summary>
    public ulong Touch(ReadOnlySpan<ulong> hashes)
    {
        var stride = Stride;
        var cells = _cells;
        ulong sum = 0;
        foreach (var hash in hashes)
            sum += cells[Home(hash) * stride];
        return sum;
    }

    /// <summary>As <see cref="Touch(ReadOnlySpan{ulong})"/>, for a Stored event's blocks.</summary>
    public ulong Touch(ReadOnlySpan<StoredBlock> blocks)
    {
        var stride = Stride;
        var cells = _cells;
        ulong sum = 0;
        foreach (var block in blocks)
            sum += cells[Home(block.SequenceHash) * stride];
        return sum;
    }

    /// <summary>Marks <paramref name="slot"/> as holding <paramref name="hash"/>; false when it already did.</summary>
    public bool Add(ulong hash, int slot)
    {
        if (Count >= _capacity >> 1)
            Rebuild(_capacity * 2, _words);
        if (_words == 1)
            return AddOneWord(hash, 1UL << slot);
        var mask = _capacity - 1;
        var stride = Stride;
        var word = 1 + (slot >> 6);
        var bit = 1UL << slot;
        for (var i = Home(hash); ; i = (i + 1) & mask)
        {
            var at = i * stride;
            if (IsEmpty(at))
            {
                _cells[at] = hash;
                _cells[at + word] = bit;
                Count++;
                return true;
            }
            if (_cells[at] == hash)
            {
                ref var cell = ref _cells[at + word];
                if ((cell & bit) != 0)
                    return false;
                cell |= bit;
                return true;
            }
        }
    }

    // Up to 64 workers an entry is two ulongs and emptiness one compare: the hot path of every event.
    private bool AddOneWord(ulong hash, ulong bit)
    {
        var cells = _cells;
        var mask = _capacity - 1;
        for (var i = Home(hash); ; i = (i + 1) & mask)
        {
            var at = i << 1;
            var bits = cells[at + 1];
            if (bits == 0)
            {
                cells[at] = hash;
                cells[at + 1] = bit;
                Count++;
                return true;
            }
            if (cells[at] == hash)
            {
                if ((bits & bit) != 0)
                    return false;
                cells[at + 1] = bits | bit;
                return true;
            }
        }
    }

    /// <summary>Clears <paramref name="slot"/>'s bit for <paramref name="hash"/>; false when it was not set.</summary>
    public bool Remove(ulong hash, int slot)
    {
        var stride = Stride;
        var at = Find(hash);
        if (at < 0)
            return false;
        ref var cell = ref _cells[at + 1 + (slot >> 6)];
        var bit = 1UL << slot;
        if ((cell & bit) == 0)
            return false;
        cell &= ~bit;
        if (cell == 0 && (_words == 1 || IsEmpty(at)))
        {
            DeleteAt(_words == 1 ? at >> 1 : at / stride);
            Count--;
        }
        return true;
    }

    /// <summary>Clears <paramref name="slot"/> from every entry; returns how many entries held it. O(capacity).</summary>
    public int RemoveSlot(int slot)
    {
        var word = 1 + (slot >> 6);
        var bit = 1UL << slot;
        var removed = 0;
        var stride = Stride;
        var i = 0;
        while (i < _capacity)
        {
            var at = i * stride;
            if ((_cells[at + word] & bit) == 0)
            {
                i++;
                continue;
            }
            _cells[at + word] &= ~bit;
            removed++;
            if (IsEmpty(at))
            {
                // The backward shift may pull a later, not yet visited entry into i: look at i again.
                DeleteAt(i);
                Count--;
                continue;
            }
            i++;
        }
        return removed;
    }

    /// <summary>Grows the bitset so that slots up to <paramref name="words"/>·64−1 fit.</summary>
    public void Widen(int words)
    {
        if (words > Words)
            Rebuild(_capacity, words);
    }

    private void DeleteAt(int i)
    {
        var mask = _capacity - 1;
        var stride = Stride;
        var j = i;
        while (true)
        {
            j = (j + 1) & mask;
            if (IsEmpty(j * stride))
                break;
            var home = Home(_cells[j * stride]);
            // An entry whose home lies cyclically in (i, j] must stay at or after its home.
            var stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (stays)
                continue;
            // Plain stores for the short copies: Array.Copy's call costs more than two words.
            for (var w = 0; w < stride; w++)
                _cells[i * stride + w] = _cells[j * stride + w];
            i = j;
        }
        for (var w = 0; w < stride; w++)
            _cells[i * stride + w] = 0;
    }

    private void Rebuild(int capacity, int words)
    {
        var old = _cells;
        var oldStride = Stride;
        var oldCapacity = _capacity;
        _capacity = capacity;
        _shift = 64 - BitOperations.Log2((uint)capacity);
        _words = words;
        var stride = Stride;
        _cells = new ulong[capacity * stride];
        var mask = capacity - 1;
        for (var e = 0; e < oldCapacity; e++)
        {
            var from = e * oldStride;
            var live = false;
            for (var w = 1; w < oldStride; w++)
                live |= old[from + w] != 0;
            if (!live)
                continue;
            var i = Home(old[from]);
            while (!IsEmpty(i * stride))
                i = (i + 1) & mask;
            Array.Copy(old, from, _cells, i * stride, oldStride);
        }
    }
}
