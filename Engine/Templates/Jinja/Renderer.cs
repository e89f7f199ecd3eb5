using System.Text;
using DynamoOrleans.Engine.Templates.Jinja.Ast;
using DynamoOrleans.Engine.Templates.Jinja.Runtime;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>
/// Runs a parsed template once. One renderer per render call: it owns the output buffer and the
/// scopes, so the AST it walks stays immutable and shareable across threads. Expression
/// evaluation is in Renderer.Expressions.cs.
/// </summary>
internal sealed partial class Renderer
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    /// <summary>Python stops runaway recursion with RecursionError; a .NET stack overflow would end the process instead.</summary>
    private const int MaxMacroDepth = 100;

    private StringBuilder _out = new();
    private Scope _scope;
    private int _macroDepth;

    private Renderer(Scope scope, TimeProvider clock)
    {
        _scope = scope;
        Clock = clock;
    }

    public TimeProvider Clock { get; }

    public static string Render(IReadOnlyList<Stmt> template, IEnumerable<KeyValuePair<string, object?>> context, TimeProvider clock)
    {
        var globals = new Scope(null);
        var renderer = new Renderer(new Scope(globals), clock);
        BuiltinGlobals.Register(globals, renderer);
        foreach (var (name, value) in context)
            renderer._scope.Set(name, value);
        renderer.Execute(template);
        return renderer._out.ToString();
    }

    private Flow Execute(IReadOnlyList<Stmt> body)
    {
        foreach (var stmt in body)
        {
            var flow = Execute(stmt);
            if (flow != Flow.Normal)
                return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Stmt stmt)
    {
        try
        {
            switch (stmt)
            {
                case TextStmt text:
                    _out.Append(text.Text);
                    return Flow.Normal;
                case OutputStmt output:
                    _out.Append(ValueFormatter.Str(Eval(output.Value)));
                    return Flow.Normal;
                case IfStmt branches:
                    foreach (var (condition, body) in branches.Branches)
                    {
                        if (Values.IsTruthy(Eval(condition)))
                            return Execute(body);
                    }
                    return Execute(branches.Else);
                case ForStmt loop:
                    return ExecuteFor(loop);
                case SetStmt set:
                    Assign(set.Target, Eval(set.Value));
                    return Flow.Normal;
                case SetBlockStmt block:
                    object? captured = Capture(block.Body);
                    if (block.Filter is not null)
                        captured = ApplyFilterChain(block.Filter, captured);
                    Assign(block.Target, captured);
                    return Flow.Normal;
                case MacroStmt macro:
                    _scope.Set(macro.Name, new Macro(macro.Name, macro.Parameters, macro.Body, _scope));
                    return Flow.Normal;
                case CallBlockStmt call:
                    var caller = new Macro("caller", call.CallerParameters, call.Body, _scope);
                    _out.Append(ValueFormatter.Str(EvalCall(call.Call, caller)));
                    return Flow.Normal;
                case FilterBlockStmt filter:
                    _out.Append(ValueFormatter.Str(ApplyFilterChain(filter.Filter, Capture(filter.Body))));
                    return Flow.Normal;
                case WithStmt with:
                    return ExecuteWith(with);
                case GenerationStmt generation:
                    return Execute(generation.Body);
                case BreakStmt:
                    return Flow.Break;
                case ContinueStmt:
                    return Flow.Continue;
                default:
                    throw new TemplateException($"unsupported statement {stmt.GetType().Name}");
            }
        }
        catch (TemplateException e) when (e.Line == 0)
        {
            throw e.AtLine(stmt.Line);
        }
    }

    private Flow ExecuteFor(ForStmt loop)
    {
        var source = Values.Iterate(Eval(loop.Iterable));
        IReadOnlyList<object?> items = source;
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in source)
            {
                if (InScope(() => { Assign(loop.Target, item); return Values.IsTruthy(Eval(loop.Filter)); }))
                    kept.Add(item);
            }
            items = kept;
        }
        if (items.Count == 0)
        {
            InScope(() => Execute(loop.Else));
            return Flow.Normal;
        }
        var context = new LoopContext(items);
        for (var i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            var item = items[i];
            var flow = InScope(() =>
            {
                _scope.Set("loop", context);
                Assign(loop.Target, item);
                return Execute(loop.Body);
            });
            if (flow == Flow.Break)
                break;
        }
        return Flow.Normal;
    }

    private Flow ExecuteWith(WithStmt with)
    {
        var values = with.Assignments.Select(a => Eval(a.Value)).ToList();
        return InScope(() =>
        {
            for (var i = 0; i < values.Count; i++)
                Assign(with.Assignments[i].Target, values[i]);
            return Execute(with.Body);
        });
    }

    private T InScope<T>(Func<T> body)
    {
        var saved = _scope;
        _scope = new Scope(saved);
        try
        {
            return body();
        }
        finally
        {
            _scope = saved;
        }
    }

    private string Capture(IReadOnlyList<Stmt> body)
    {
        var saved = _out;
        _out = new StringBuilder();
        try
        {
            Execute(body);
            return _out.ToString();
        }
        finally
        {
            _out = saved;
        }
    }

    private void Assign(Target target, object? value)
    {
        switch (target)
        {
            case NameTarget name:
                _scope.Set(name.Name, value);
                break;
            case TupleTarget tuple:
                var items = Values.Iterate(value);
                if (items.Count != tuple.Items.Count)
                {
                    throw new TemplateException(items.Count > tuple.Items.Count
                        ? $"too many values to unpack (expected {tuple.Items.Count})"
                        : $"not enough values to unpack (expected {tuple.Items.Count}, got {items.Count})", target.Line);
                }
                for (var i = 0; i < items.Count; i++)
                    Assign(tuple.Items[i], items[i]);
                break;
            case AttributeTarget attribute:
                if (!_scope.TryGet(attribute.Object, out var owner) || owner is not Namespace ns)
                    throw new TemplateException("cannot assign attribute on non-namespace object", target.Line);
                ns.Attributes[attribute.Attribute] = value;
                break;
        }
    }

    /// <summary>Calls a template macro: binds arguments to parameters, extras to varargs/kwargs, renders the body.</summary>
    public string CallMacro(Macro macro, CallArgs args, Macro? caller)
    {
        if (_macroDepth >= MaxMacroDepth)
            throw new TemplateException($"maximum recursion depth exceeded in macro '{macro.Name}'");
        var savedScope = _scope;
        var savedOut = _out;
        _scope = new Scope(macro.Closure);
        _out = new StringBuilder();
        _macroDepth++;
        try
        {
            var kwargs = Values.NewDict();
            foreach (var (name, value) in args.Keywords)
            {
                if (!macro.Parameters.Any(p => p.Name == name))
                    kwargs[name] = value;
            }
            for (var i = 0; i < macro.Parameters.Count; i++)
            {
                var parameter = macro.Parameters[i];
                object? value;
                if (args.Has(i, parameter.Name))
                    value = args.Get(i, parameter.Name);
                else if (parameter.Default is not null)
                    value = Eval(parameter.Default);
                else
                    value = Undefined.Missing($"parameter '{parameter.Name}' was not provided");
                _scope.Set(parameter.Name, value);
            }
            _scope.Set("varargs", args.Positional.Skip(macro.Parameters.Count).ToArray());
            _scope.Set("kwargs", kwargs);
            if (caller is not null)
                _scope.Set("caller", caller);
            Execute(macro.Body);
            return _out.ToString();
        }
        finally
        {
            _scope = savedScope;
            _out = savedOut;
            _macroDepth--;
        }
    }
}
