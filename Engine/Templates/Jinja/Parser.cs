using DynamoOrleans.Engine.Templates.Jinja.Ast;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>
/// Recursive-descent parser for the Jinja statements chat templates use. Expressions are in
/// Parser.Expressions.cs; both follow the grammar and precedence of jinja2's parser.py.
/// </summary>
internal sealed partial class Parser
{
    private readonly List<Token> _tokens;
    private int _index;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static IReadOnlyList<Stmt> Parse(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        return parser.ParseBody([], out _);
    }

    private Token Current => _tokens[_index];

    private Token Peek(int offset = 1) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private Token Next()
    {
        var token = _tokens[_index];
        if (_index < _tokens.Count - 1)
            _index++;
        return token;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
            throw Unexpected(what);
        return Next();
    }

    private void ExpectOperator(string op)
    {
        if (!Current.IsOperator(op))
            throw Unexpected($"'{op}'");
        Next();
    }

    private TemplateException Unexpected(string expected) =>
        new($"expected {expected}, got {Current}", Current.Line);

    /// <summary>Parses statements until one of <paramref name="endTags"/> opens a block; stops on its name token.</summary>
    private List<Stmt> ParseBody(string[] endTags, out string endTag)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Eof:
                    if (endTags.Length > 0)
                        throw new TemplateException($"unexpected end of template, expected {string.Join(" or ", endTags.Select(t => $"'{t}'"))}", token.Line);
                    endTag = "";
                    return body;
                case TokenKind.Text:
                    Next();
                    body.Add(new TextStmt(token.Line, token.Value));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    var value = ParseTuple(withConditional: true);
                    Expect(TokenKind.VariableEnd, "'}}'");
                    body.Add(new OutputStmt(token.Line, value));
                    break;
                case TokenKind.BlockBegin:
                    var name = Peek();
                    if (name.Kind == TokenKind.Name && endTags.Contains(name.Value))
                    {
                        Next();
                        endTag = name.Value;
                        return body;
                    }
                    Next();
                    body.Add(ParseStatement());
                    break;
                default:
                    throw Unexpected("template data or a tag");
            }
        }
    }

    /// <summary>Consumes the end tag's name (already matched) and its <c>%}</c>.</summary>
    private void EndBlock()
    {
        Next();
        Expect(TokenKind.BlockEnd, "'%}'");
    }

    private Stmt ParseStatement()
    {
        var token = Expect(TokenKind.Name, "a statement name");
        return token.Value switch
        {
            "if" => ParseIf(token.Line),
            "for" => ParseFor(token.Line),
            "set" => ParseSet(token.Line),
            "macro" => ParseMacro(token.Line),
            "call" => ParseCallBlock(token.Line),
            "filter" => ParseFilterBlock(token.Line),
            "with" => ParseWith(token.Line),
            "break" => Simple(new BreakStmt(token.Line)),
            "continue" => Simple(new ContinueStmt(token.Line)),
            "generation" => ParseGeneration(token.Line),
            _ => throw new TemplateException($"Encountered unknown tag '{token.Value}'.", token.Line),
        };
    }

    private Stmt Simple(Stmt stmt)
    {
        Expect(TokenKind.BlockEnd, "'%}'");
        return stmt;
    }

    private IfStmt ParseIf(int line)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        IReadOnlyList<Stmt> otherwise = [];
        var condition = ParseTuple(withConditional: false);
        while (true)
        {
            Expect(TokenKind.BlockEnd, "'%}'");
            var body = ParseBody(["elif", "else", "endif"], out var end);
            branches.Add((condition, body));
            if (end == "elif")
            {
                Next();
                condition = ParseTuple(withConditional: false);
                continue;
            }
            if (end == "else")
            {
                EndBlock();
                otherwise = ParseBody(["endif"], out _);
            }
            EndBlock();
            return new IfStmt(line, branches, otherwise);
        }
    }

    private ForStmt ParseFor(int line)
    {
        var target = ParseAssignTarget(allowAttribute: false);
        if (!Current.IsName("in"))
            throw Unexpected("'in'");
        Next();
        var iterable = ParseTuple(withConditional: false);
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            Next();
            filter = ParseExpression();
        }
        if (Current.IsName("recursive"))
            throw new TemplateException("recursive for loops are not supported", Current.Line);
        Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endfor", "else"], out var end);
        IReadOnlyList<Stmt> otherwise = [];
        if (end == "else")
        {
            EndBlock();
            otherwise = ParseBody(["endfor"], out _);
        }
        EndBlock();
        return new ForStmt(line, target, iterable, filter, body, otherwise);
    }

    private Stmt ParseSet(int line)
    {
        var target = ParseAssignTarget(allowAttribute: true);
        if (Current.IsOperator("="))
        {
            Next();
            var value = ParseTuple(withConditional: true);
            Expect(TokenKind.BlockEnd, "'%}'");
            return new SetStmt(line, target, value);
        }
        Expr? filter = null;
        if (Current.IsOperator("|"))
            filter = ParseFilters(null);
        Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endset"], out _);
        EndBlock();
        return new SetBlockStmt(line, target, filter, body);
    }

    private Target ParseAssignTarget(bool allowAttribute)
    {
        var line = Current.Line;
        if (allowAttribute && Current.Kind == TokenKind.Name && Peek().IsOperator("."))
        {
            var obj = Next().Value;
            Next();
            return new AttributeTarget(line, obj, Expect(TokenKind.Name, "an attribute name").Value);
        }
        var parenthesized = Current.IsOperator("(");
        if (parenthesized)
            Next();
        var names = new List<Target>();
        do
        {
            if (names.Count > 0)
                Next();
            if (Current.Kind != TokenKind.Name)
                break;
            var name = Next();
            names.Add(new NameTarget(name.Line, name.Value));
        }
        while (Current.IsOperator(","));
        if (parenthesized)
            ExpectOperator(")");
        if (names.Count == 0)
            throw Unexpected("a name to assign to");
        return names.Count == 1 && !parenthesized ? names[0] : new TupleTarget(line, names);
    }

    private List<MacroParameter> ParseParameters()
    {
        var parameters = new List<MacroParameter>();
        ExpectOperator("(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
                ExpectOperator(",");
            if (Current.IsOperator(")"))
                break;
            var name = Expect(TokenKind.Name, "a parameter name").Value;
            Expr? fallback = null;
            if (Current.IsOperator("="))
            {
                Next();
                fallback = ParseExpression();
            }
            parameters.Add(new MacroParameter(name, fallback));
        }
        Next();
        return parameters;
    }

    private MacroStmt ParseMacro(int line)
    {
        var name = Expect(TokenKind.Name, "a macro name").Value;
        var parameters = ParseParameters();
        Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endmacro"], out _);
        EndBlock();
        return new MacroStmt(line, name, parameters, body);
    }

    private CallBlockStmt ParseCallBlock(int line)
    {
        var parameters = Current.IsOperator("(") ? ParseParameters() : [];
        if (ParseExpression() is not CallExpr call)
            throw new TemplateException("expected a call in the call block", line);
        Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endcall"], out _);
        EndBlock();
        return new CallBlockStmt(line, call, parameters, body);
    }

    private FilterBlockStmt ParseFilterBlock(int line)
    {
        var filter = ParseFilters(null, startInline: true);
        Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endfilter"], out _);
        EndBlock();
        return new FilterBlockStmt(line, filter, body);
    }

    private WithStmt ParseWith(int line)
    {
        var assignments = new List<(Target, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0)
                ExpectOperator(",");
            var target = ParseAssignTarget(allowAttribute: false);
            ExpectOperator("=");
            assignments.Add((target, ParseExpression()));
        }
        Next();
        var body = ParseBody(["endwith"], out _);
        EndBlock();
        return new WithStmt(line, assignments, body);
    }

    private GenerationStmt ParseGeneration(int line)
    {
        Expect(TokenKind.BlockEnd, "'%}'");
        var body = ParseBody(["endgeneration"], out _);
        EndBlock();
        return new GenerationStmt(line, body);
    }
}
