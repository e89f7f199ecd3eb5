namespace DynamoOrleans.Engine.Sampling;

/// <summary>
/// The k-th largest value of a row, in place or in a scratch buffer, without allocating. A small k
/// (top-k sampling, the first rounds of top-p) uses a k-entry min-heap: over a model's peaked
/// distribution almost every entry loses one comparison against the heap's root, so it runs at
/// about the speed of a plain pass. A large k uses Hoare's selection.
/// </summary>
internal static class Selection
{
    private const int MaxHeapK = 1024;

    /// <summary>The k-th largest of <paramref name="values"/>; <paramref name="scratch"/> must hold <c>values.Length</c> entries.</summary>
    public static float KthLargest(ReadOnlySpan<float> values, int k, Span<float> scratch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, values.Length);
        if (k <= MaxHeapK)
            return ByHeap(values, k, scratch[..k]);
        var copy = scratch[..values.Length];
        values.CopyTo(copy);
        return QuickSelect(copy, k);
    }

    private static float ByHeap(ReadOnlySpan<float> values, int k, Span<float> heap)
    {
        values[..k].CopyTo(heap);
        for (var i = k / 2 - 1; i >= 0; i--)
            SiftDown(heap, i);
        for (var i = k; i < values.Length; i++)
        {
            if (values[i] <= heap[0])
                continue;
            heap[0] = values[i];
            SiftDown(heap, 0);
        }
        return heap[0];
    }

    /// <summary>Restores the min-heap below <paramref name="i"/>.</summary>
    private static void SiftDown(Span<float> heap, int i)
    {
        var value = heap[i];
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= heap.Length)
                break;
            if (child + 1 < heap.Length && heap[child + 1] < heap[child])
                child++;
            if (heap[child] >= value)
                break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }

    /// <summary>Hoare's selection in place: the k-th largest in expected linear time.</summary>
    internal static float QuickSelect(Span<float> values, int k)
    {
        var target = k - 1;
        var lo = 0;
        var hi = values.Length - 1;
        while (lo < hi)
        {
            // Median of three keeps sorted and reversed rows linear.
            var mid = lo + (hi - lo) / 2;
            var pivot = Median(values[lo], values[mid], values[hi]);
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (values[i] > pivot)
                    i++;
                while (values[j] < pivot)
                    j--;
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }
            if (target <= j)
                hi = j;
            else if (target >= i)
                lo = i;
            else
                return values[target];
        }
        return values[target];
    }

    private static float Median(float a, float b, float c) =>
        a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}
