namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// The symbols of one word while it is being merged: a linked list over arrays plus a priority
/// queue of candidate merges ordered by (rank, position), as Hugging Face's <c>Word::merge_all</c>.
/// One instance per thread is reused, so merging allocates nothing once warm.
/// </summary>
internal sealed class BpeWord
{
    [ThreadStatic]
    private static BpeWord? t_instance;

    private readonly PriorityQueue<int, long> _queue = new();
    private int[] _ids = new int[64];
    private int[] _prev = new int[64];
    private int[] _next = new int[64];
    private bool[] _alive = new bool[64];
    private int _count;

    public static BpeWord Rent(int capacityHint)
    {
        var word = t_instance ??= new BpeWord();
        word.Reset(capacityHint);
        return word;
    }

    public void Add(int id)
    {
        if (_count == _ids.Length)
            Grow(_count * 2);
        _ids[_count] = id;
        _prev[_count] = _count - 1;
        _next[_count] = -1;
        if (_count > 0)
            _next[_count - 1] = _count;
        _alive[_count] = true;
        _count++;
    }

    public void MergeAll(BpeMerges merges)
    {
        _queue.Clear();
        for (var i = 0; i + 1 < _count; i++)
            Enqueue(merges, i, i + 1);
        while (_queue.TryDequeue(out var pos, out var priority))
        {
            var rank = (int)(priority >> 32);
            var right = _next[pos];
            if (!_alive[pos] || right < 0)
                continue;
            // Entries go stale when a neighbour merged first; the pair must still merge at this rank.
            if (!merges.TryGet(_ids[pos], _ids[right], out var currentRank, out var newId) || currentRank != rank)
                continue;
            _ids[pos] = newId;
            _alive[right] = false;
            var after = _next[right];
            _next[pos] = after;
            if (after >= 0)
                _prev[after] = pos;
            if (_prev[pos] >= 0)
                Enqueue(merges, _prev[pos], pos);
            if (after >= 0)
                Enqueue(merges, pos, after);
        }
    }

    public void CopyTo(List<int> output)
    {
        for (var i = 0; i >= 0 && i < _count; i = _next[i])
            output.Add(_ids[i]);
    }

    private void Enqueue(BpeMerges merges, int left, int right)
    {
        if (merges.TryGet(_ids[left], _ids[right], out var rank, out _))
            _queue.Enqueue(left, ((long)rank << 32) | (uint)left);
    }

    private void Reset(int capacityHint)
    {
        if (capacityHint > _ids.Length)
            Grow(capacityHint);
        _count = 0;
    }

    private void Grow(int size)
    {
        Array.Resize(ref _ids, size);
        Array.Resize(ref _prev, size);
        Array.Resize(ref _next, size);
        Array.Resize(ref _alive, size);
    }
}
