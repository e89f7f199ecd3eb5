namespace DynamoOrleans.Engine.Sampling;

/// <summary>Hoare's selection in place: the k-th largest value in expected linear time, no allocation.</summary>
internal static class QuickSelect
{
    public static float KthLargest(Span<float> values, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, values.Length);
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
