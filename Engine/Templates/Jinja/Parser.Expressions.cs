using DynamoOrleans.Engine.Templates.Jinja.Ast;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>
/// Expression grammar, loosest to tightest: conditional, or, and, not, comparison, + -, ~,
/// * / // %, **, unary, then primary with postfix (. [] ()) and filters/tests. As in Jinja,
/// filters bind tighter than arithmetic: <c>'a' + x | trim</c> trims x only.
/// </summary>
internal sealed partial class Parser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>An expression or a bare comma-separated tuple (<c>{% set a, b = 1, 2 %}</c>).</summary>
    private Expr ParseTuple(bool withConditional, bool explicitParens = false)
    {
        var line = Current.Line;
        var items = new List<Expr>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                if (!Current.IsOperator(","))
                    break;
                Next();
                isTuple = true;
            }
            if (Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd || Current.IsOperator(")"))
                break;
            items.Add(withConditional ? ParseExpression() : ParseOr());
        }
        if (isTuple || (explicitParens && items.Count == 0))
            return new TupleExpr(line, items);
        if (items.Count == 0)
            throw Unexpected("an expression");
        return items[0];
    }

    private Expr ParseExpression()
    {
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            var line = Next().Line;
            var condition = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                Next();
                otherwise = ParseExpression();
            }
            expr = new ConditionalExpr(line, condition, expr, otherwise);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var line = Next().Line;
            left = new OrExpr(line, left, ParseAnd());
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var line = Next().Line;
            left = new AndExpr(line, left, ParseNot());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (!Current.IsName("not"))
            return ParseCompare();
        var line = Next().Line;
        return new NotExpr(line, ParseNot());
    }

    private Expr ParseCompare()
    {
        var line = Current.Line;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            string op;
            if (Current.Kind == TokenKind.Operator && CompareOperators.Contains(Current.Value))
            {
                op = Next().Value;
            }
            else if (Current.IsName("in"))
            {
                Next();
                op = "in";
            }
            else if (Current.IsName("not") && Peek().IsName("in"))
            {
                Next();
                Next();
                op = "not in";
            }
            else
            {
                break;
            }
            rest.Add((op, ParseMath1()));
        }
        return rest.Count == 0 ? first : new CompareExpr(line, first, rest);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next();
            left = new BinaryExpr(op.Line, op.Value, left, ParseConcat());
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var line = Current.Line;
        var first = ParseMath2();
        if (!Current.IsOperator("~"))
            return first;
        var parts = new List<Expr> { first };
        while (Current.IsOperator("~"))
        {
            Next();
            parts.Add(ParseMath2());
        }
        return new ConcatExpr(line, parts);
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Line, op.Value, left, ParsePow());
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var op = Next();
            left = new BinaryExpr(op.Line, op.Value, left, ParseUnary(withFilter: true));
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        Expr node;
        if (Current.IsOperator("-") || Current.IsOperator("+"))
        {
            var op = Next();
            node = new UnaryExpr(op.Line, op.Value, ParseUnary(withFilter: false));
        }
        else
        {
            node = ParsePostfix(ParsePrimary());
        }
        return withFilter ? ParseFilterExpr(node) : node;
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                Next();
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpr(token.Line, true),
                    "false" or "False" => new LiteralExpr(token.Line, false),
                    "none" or "None" => new LiteralExpr(token.Line, null),
                    _ => new NameExpr(token.Line, token.Value),
                };
            case TokenKind.String:
                Next();
                var text = (string)token.Literal!;
                // Adjacent literals concatenate, as in Python.
                while (Current.Kind == TokenKind.String)
                    text += (string)Next().Literal!;
                return new LiteralExpr(token.Line, text);
            case TokenKind.Integer:
            case TokenKind.Float:
                Next();
                return new LiteralExpr(token.Line, token.Literal);
            case TokenKind.Operator when token.Value == "(":
                Next();
                var inner = ParseTuple(withConditional: true, explicitParens: true);
                ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                Next();
                var items = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0)
                        ExpectOperator(",");
                    if (Current.IsOperator("]"))
                        break;
                    items.Add(ParseExpression());
                }
                Next();
                return new ListExpr(token.Line, items);
            case TokenKind.Operator when token.Value == "{":
                Next();
                var pairs = new List<(Expr, Expr)>();
                while (!Current.IsOperator("}"))
                {
                    if (pairs.Count > 0)
                        ExpectOperator(",");
                    if (Current.IsOperator("}"))
                        break;
                    var key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                }
                Next();
                return new DictExpr(token.Line, pairs);
            default:
                throw Unexpected("an expression");
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                Next();
                var attribute = Current;
                if (attribute.Kind == TokenKind.Name)
                    node = new AttributeExpr(token.Line, node, Next().Value);
                else if (attribute.Kind == TokenKind.Integer)
                    node = new ItemExpr(token.Line, node, new LiteralExpr(token.Line, Next().Literal));
                else
                    throw Unexpected("an attribute name");
            }
            else if (token.IsOperator("["))
            {
                node = ParseSubscript(node);
            }
            else if (token.IsOperator("("))
            {
                node = new CallExpr(token.Line, node, ParseArguments());
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr target)
    {
        var line = Next().Line;
        Expr? start = Current.IsOperator(":") ? null : ParseExpression();
        if (!Current.IsOperator(":"))
        {
            ExpectOperator("]");
            return new ItemExpr(line, target, start!);
        }
        Next();
        Expr? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        Expr? step = null;
        if (Current.IsOperator(":"))
        {
            Next();
            step = Current.IsOperator("]") ? null : ParseExpression();
        }
        ExpectOperator("]");
        return new SliceExpr(line, target, start, stop, step);
    }

    private Arguments ParseArguments()
    {
        ExpectOperator("(");
        var positional = new List<Expr>();
        var keywords = new List<(string, Expr)>();
        while (!Current.IsOperator(")"))
        {
            if (positional.Count + keywords.Count > 0)
                ExpectOperator(",");
            if (Current.IsOperator(")"))
                break;
            if (Current.IsOperator("*") || Current.IsOperator("**"))
                throw new TemplateException("*args and **kwargs in calls are not supported", Current.Line);
            if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                var name = Next().Value;
                Next();
                keywords.Add((name, ParseExpression()));
            }
            else
            {
                if (keywords.Count > 0)
                    throw new TemplateException("positional argument follows keyword argument", Current.Line);
                positional.Add(ParseExpression());
            }
        }
        Next();
        return new Arguments(positional, keywords);
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
                node = ParseFilters(node);
            else if (Current.IsName("is"))
                node = ParseTest(node);
            else if (Current.IsOperator("("))
                node = new CallExpr(Current.Line, node, ParseArguments());
            else
                return node;
        }
    }

    /// <summary>A chain of <c>| name(args)</c>; <paramref name="startInline"/> when the first has no pipe (filter blocks).</summary>
    private Expr ParseFilters(Expr? node, bool startInline = false)
    {
        while (Current.IsOperator("|") || startInline)
        {
            if (!startInline)
                Next();
            startInline = false;
            var token = Expect(TokenKind.Name, "a filter name");
            var args = Current.IsOperator("(") ? ParseArguments() : Arguments.None;
            node = new FilterExpr(token.Line, node, token.Value, args);
        }
        return node!;
    }

    private Expr ParseTest(Expr node)
    {
        var line = Next().Line;
        var negated = false;
        if (Current.IsName("not"))
        {
            Next();
            negated = true;
        }
        var name = Expect(TokenKind.Name, "a test name").Value;
        var args = Arguments.None;
        if (Current.IsOperator("("))
        {
            args = ParseArguments();
        }
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || Current.IsOperator("[") || Current.IsOperator("{"))
                 && !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and") && !Current.IsName("if"))
        {
            // Jinja allows one argument without parentheses: `x is divisibleby 3`.
            if (Current.IsName("is"))
                throw new TemplateException("tests cannot be chained with 'is'", Current.Line);
            args = new Arguments([ParsePostfix(ParsePrimary())], []);
        }
        return new TestExpr(line, node, name, args, negated);
    }
}
