using System.Text;
using DynamoOrleans.Engine.Templates.Jinja.Ast;
using DynamoOrleans.Engine.Templates.Jinja.Runtime;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>Expression evaluation: names, literals, access, calls, filters, tests and operators.</summary>
internal sealed partial class Renderer
{
    public object? Eval(Expr expr)
    {
        try
        {
            return expr switch
            {
                LiteralExpr literal => literal.Value,
                NameExpr name => _scope.TryGet(name.Name, out var value) ? value : Undefined.Name(name.Name),
                ListExpr list => list.Items.Select(Eval).ToList(),
                TupleExpr tuple => tuple.Items.Select(Eval).ToArray(),
                DictExpr dict => EvalDict(dict),
                AttributeExpr attribute => Members.GetAttribute(Eval(attribute.Target), attribute.Name),
                ItemExpr item => Members.GetItem(Eval(item.Target), Eval(item.Key)),
                SliceExpr slice => Values.Slice(Eval(slice.Target), EvalOptional(slice.Start), EvalOptional(slice.Stop), EvalOptional(slice.Step)),
                CallExpr call => EvalCall(call, caller: null),
                FilterExpr filter => ApplyFilter(filter, filter.Target is null ? null : Eval(filter.Target)),
                TestExpr test => EvalTest(test),
                UnaryExpr unary => Operators.Unary(unary.Operator, Eval(unary.Operand)),
                BinaryExpr binary => Operators.Binary(binary.Operator, Eval(binary.Left), Eval(binary.Right)),
                CompareExpr compare => EvalCompare(compare),
                AndExpr and => Eval(and.Left) is var left && !Values.IsTruthy(left) ? left : Eval(and.Right),
                OrExpr or => Eval(or.Left) is var first && Values.IsTruthy(first) ? first : Eval(or.Right),
                NotExpr not => !Values.IsTruthy(Eval(not.Operand)),
                ConcatExpr concat => EvalConcat(concat),
                ConditionalExpr conditional => Values.IsTruthy(Eval(conditional.Condition))
                    ? Eval(conditional.Then)
                    : conditional.Otherwise is null ? Undefined.Missing("the inline if expression evaluated to false and no else section was defined") : Eval(conditional.Otherwise),
                _ => throw new TemplateException($"unsupported expression {expr.GetType().Name}"),
            };
        }
        catch (TemplateException e) when (e.Line == 0)
        {
            throw e.AtLine(expr.Line);
        }
        catch (Exception e) when (e is ArithmeticException or InvalidCastException or ArgumentException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            // A .NET failure inside a built-in (say an integer overflow Python would not have) is still the template's error, on its line.
            throw new TemplateException(e.Message, expr.Line);
        }
    }

    private object? EvalOptional(Expr? expr) => expr is null ? null : Eval(expr);

    private object EvalDict(DictExpr expr)
    {
        var dict = Values.NewDict();
        foreach (var (key, value) in expr.Pairs)
        {
            var k = Eval(key);
            if (k is null or Undefined or List<object?> or System.Collections.Generic.OrderedDictionary<object, object?>)
                throw new TemplateException($"unhashable dict key of type '{Values.TypeName(k)}'");
            dict[k] = Eval(value);
        }
        return dict;
    }

    private string EvalConcat(ConcatExpr concat)
    {
        var sb = new StringBuilder();
        foreach (var part in concat.Parts)
            sb.Append(ValueFormatter.Str(Eval(part)));
        return sb.ToString();
    }

    private bool EvalCompare(CompareExpr compare)
    {
        var left = Eval(compare.First);
        foreach (var (op, operand) in compare.Rest)
        {
            var right = Eval(operand);
            var ok = op switch
            {
                "==" => Values.PyEquals(left, right),
                "!=" => !Values.PyEquals(left, right),
                "<" => Values.Compare(left, right) < 0,
                "<=" => Values.Compare(left, right) <= 0,
                ">" => Values.Compare(left, right) > 0,
                ">=" => Values.Compare(left, right) >= 0,
                "in" => Values.Contains(right, left),
                "not in" => !Values.Contains(right, left),
                _ => throw new TemplateException($"unknown comparison '{op}'"),
            };
            if (!ok)
                return false;
            left = right;
        }
        return true;
    }

    public CallArgs EvalArguments(Arguments args)
    {
        if (args.Positional.Count == 0 && args.Keywords.Count == 0)
            return CallArgs.Empty;
        return new CallArgs(
            args.Positional.Select(Eval).ToList(),
            args.Keywords.Select(k => new KeyValuePair<string, object?>(k.Name, Eval(k.Value))).ToList());
    }

    private object? EvalCall(CallExpr call, Macro? caller)
    {
        var callee = Eval(call.Callee);
        var args = EvalArguments(call.Args);
        return Invoke(callee, args, caller);
    }

    public object? Invoke(object? callee, CallArgs args, Macro? caller = null) => callee switch
    {
        JinjaFunction function => function.Invoke(args),
        Macro macro => CallMacro(macro, args, caller),
        Undefined u => throw u.Fail(),
        _ => throw new TemplateException($"'{Values.TypeName(callee)}' object is not callable"),
    };

    private object? ApplyFilter(FilterExpr filter, object? value)
    {
        if (!BuiltinFilters.TryGet(filter.Name, out var apply))
            throw new TemplateException($"No filter named '{filter.Name}'.");
        return apply(this, value, EvalArguments(filter.Args));
    }

    /// <summary>Applies a parsed filter chain whose innermost target is null to a captured block body.</summary>
    private object? ApplyFilterChain(Expr chain, object? value)
    {
        if (chain is not FilterExpr filter)
            return value;
        var input = filter.Target is null ? value : ApplyFilterChain(filter.Target, value);
        return ApplyFilter(filter, input);
    }

    private bool EvalTest(TestExpr test)
    {
        if (!BuiltinTests.TryGet(test.Name, out var apply))
            throw new TemplateException($"No test named '{test.Name}'.");
        var result = apply(this, Eval(test.Target), EvalArguments(test.Args));
        return test.Negated ? !result : result;
    }
}
