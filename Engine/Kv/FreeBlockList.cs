namespace DynamoOrleans.Engine.Kv;

/// <summary>
/// The unreferenced blocks as an intrusive doubly linked list over block ids: O(1) push at either
/// end, pop at the front, and removal from the middle when a prefix hit revives a cached block.
/// </summary>
internal sealed class FreeBlockList
{
    private const int None = -1;
    private readonly int[] _prev;
    private readonly int[] _next;
    private readonly bool[] _isFree;
    private int _head = None;
    private int _tail = None;

    /// <summary>Starts with every block free, in id order.</summary>
    public FreeBlockList(int numBlocks)
    {
        _prev = new int[numBlocks];
        _next = new int[numBlocks];
        _isFree = new bool[numBlocks];
        for (var i = 0; i < numBlocks; i++)
            AddLast(i);
    }

    public int Count { get; private set; }

    public bool Contains(int blockId) => _isFree[blockId];

    public int RemoveFirst()
    {
        if (_head == None)
            throw new InvalidOperationException("no free block");
        var blockId = _head;
        Remove(blockId);
        return blockId;
    }

    public void AddFirst(int blockId)
    {
        MarkFree(blockId);
        _prev[blockId] = None;
        _next[blockId] = _head;
        if (_head == None)
            _tail = blockId;
        else
            _prev[_head] = blockId;
        _head = blockId;
    }

    public void AddLast(int blockId)
    {
        MarkFree(blockId);
        _next[blockId] = None;
        _prev[blockId] = _tail;
        if (_tail == None)
            _head = blockId;
        else
            _next[_tail] = blockId;
        _tail = blockId;
    }

    public void Remove(int blockId)
    {
        if (!_isFree[blockId])
            throw new InvalidOperationException($"block {blockId} is not free");
        var prev = _prev[blockId];
        var next = _next[blockId];
        if (prev == None)
            _head = next;
        else
            _next[prev] = next;
        if (next == None)
            _tail = prev;
        else
            _prev[next] = prev;
        _isFree[blockId] = false;
        Count--;
    }

    private void MarkFree(int blockId)
    {
        if (_isFree[blockId])
            throw new InvalidOperationException($"block {blockId} is already free");
        _isFree[blockId] = true;
        Count++;
    }
}
