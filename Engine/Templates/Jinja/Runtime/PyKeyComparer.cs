namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Dict key equality as in Python: 1, 1.0 and True are the same key.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static PyKeyComparer Instance { get; } = new();

    public new bool Equals(object? x, object? y) => Values.PyEquals(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e18 => ((long)d).GetHashCode(),
        string s => StringComparer.Ordinal.GetHashCode(s),
        object?[] tuple => tuple.Aggregate(17, (h, x) => h * 31 + (x is null ? 0 : GetHashCode(x))),
        _ => obj.GetHashCode(),
    };
}
