namespace DynamoOrleans.Engine.Templates.Jinja.Ast;

/// <summary>An expression node; <see cref="Line"/> places runtime errors in the template.</summary>
internal abstract record Expr(int Line);

/// <summary>A constant: string, long, double, bool or null (Python's None).</summary>
internal sealed record LiteralExpr(int Line, object? Value) : Expr(Line);

internal sealed record NameExpr(int Line, string Name) : Expr(Line);

internal sealed record ListExpr(int Line, IReadOnlyList<Expr> Items) : Expr(Line);

internal sealed record TupleExpr(int Line, IReadOnlyList<Expr> Items) : Expr(Line);

internal sealed record DictExpr(int Line, IReadOnlyList<(Expr Key, Expr Value)> Pairs) : Expr(Line);

/// <summary><c>obj.name</c>: attribute first, then item (Jinja's getattr).</summary>
internal sealed record AttributeExpr(int Line, Expr Target, string Name) : Expr(Line);

/// <summary><c>obj[key]</c>: item first, then attribute (Jinja's getitem).</summary>
internal sealed record ItemExpr(int Line, Expr Target, Expr Key) : Expr(Line);

internal sealed record SliceExpr(int Line, Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr(Line);

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Keywords)
{
    public static Arguments None { get; } = new([], []);
}

internal sealed record CallExpr(int Line, Expr Callee, Arguments Args) : Expr(Line);

/// <summary><c>value | name(args)</c>; Target is null inside a filter block, whose body is the value.</summary>
internal sealed record FilterExpr(int Line, Expr? Target, string Name, Arguments Args) : Expr(Line);

/// <summary><c>value is [not] name(args)</c>.</summary>
internal sealed record TestExpr(int Line, Expr Target, string Name, Arguments Args, bool Negated) : Expr(Line);

internal sealed record UnaryExpr(int Line, string Operator, Expr Operand) : Expr(Line);

/// <summary>Arithmetic: + - * / // % **.</summary>
internal sealed record BinaryExpr(int Line, string Operator, Expr Left, Expr Right) : Expr(Line);

/// <summary>A comparison chain: <c>a &lt; b == c</c> is (a &lt; b) and (b == c), each operand evaluated once.</summary>
internal sealed record CompareExpr(int Line, Expr First, IReadOnlyList<(string Operator, Expr Operand)> Rest) : Expr(Line);

internal sealed record AndExpr(int Line, Expr Left, Expr Right) : Expr(Line);

internal sealed record OrExpr(int Line, Expr Left, Expr Right) : Expr(Line);

internal sealed record NotExpr(int Line, Expr Operand) : Expr(Line);

/// <summary><c>a ~ b ~ c</c>: string concatenation of each operand's str().</summary>
internal sealed record ConcatExpr(int Line, IReadOnlyList<Expr> Parts) : Expr(Line);

/// <summary><c>then if condition else otherwise</c>; a missing else yields undefined.</summary>
internal sealed record ConditionalExpr(int Line, Expr Condition, Expr Then, Expr? Otherwise) : Expr(Line);
