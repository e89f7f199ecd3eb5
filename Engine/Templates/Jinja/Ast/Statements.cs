namespace DynamoOrleans.Engine.Templates.Jinja.Ast;

/// <summary>A template statement; <see cref="Line"/> places runtime errors in the template.</summary>
internal abstract record Stmt(int Line);

internal sealed record TextStmt(int Line, string Text) : Stmt(Line);

/// <summary><c>{{ expr }}</c>.</summary>
internal sealed record OutputStmt(int Line, Expr Value) : Stmt(Line);

internal sealed record IfStmt(int Line, IReadOnlyList<(Expr Condition, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else) : Stmt(Line);

/// <summary>An assignment target: a name, a tuple of names, or <c>ns.attr</c>.</summary>
internal abstract record Target(int Line);

internal sealed record NameTarget(int Line, string Name) : Target(Line);

internal sealed record TupleTarget(int Line, IReadOnlyList<Target> Items) : Target(Line);

internal sealed record AttributeTarget(int Line, string Object, string Attribute) : Target(Line);

internal sealed record ForStmt(int Line, Target Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else) : Stmt(Line);

internal sealed record SetStmt(int Line, Target Target, Expr Value) : Stmt(Line);

/// <summary><c>{% set x | filters %}body{% endset %}</c>; Filter wraps a null-target chain applied to the body.</summary>
internal sealed record SetBlockStmt(int Line, Target Target, Expr? Filter, IReadOnlyList<Stmt> Body) : Stmt(Line);

internal sealed record MacroParameter(string Name, Expr? Default);

internal sealed record MacroStmt(int Line, string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body) : Stmt(Line);

/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>: the body becomes the macro's caller().</summary>
internal sealed record CallBlockStmt(int Line, CallExpr Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<Stmt> Body) : Stmt(Line);

internal sealed record FilterBlockStmt(int Line, Expr Filter, IReadOnlyList<Stmt> Body) : Stmt(Line);

internal sealed record WithStmt(int Line, IReadOnlyList<(Target Target, Expr Value)> Assignments, IReadOnlyList<Stmt> Body) : Stmt(Line);

internal sealed record BreakStmt(int Line) : Stmt(Line);

internal sealed record ContinueStmt(int Line) : Stmt(Line);

/// <summary>transformers' <c>{% generation %}</c> marks assistant text for masks; rendering just runs the body.</summary>
internal sealed record GenerationStmt(int Line, IReadOnlyList<Stmt> Body) : Stmt(Line);
