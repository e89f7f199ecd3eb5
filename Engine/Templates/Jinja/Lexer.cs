using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Engine.Templates.Jinja;

/// <summary>
/// Splits template source into tokens with the whitespace rules transformers' environment uses:
/// trim_blocks (drop the first newline after a block or comment tag), lstrip_blocks (drop the
/// spaces and tabs before a block or comment tag that starts its line), the <c>-</c>/<c>+</c>
/// markers, newline normalisation and removal of one trailing newline (keep_trailing_newline=False).
/// </summary>
internal sealed partial class Lexer
{
    private readonly string _src;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;
    private bool _lineStarting = true;

    private Lexer(string source) => _src = source;

    public static List<Token> Tokenize(string source)
    {
        var normalized = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (normalized.EndsWith('\n'))
            normalized = normalized[..^1];
        var lexer = new Lexer(normalized);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        while (_pos < _src.Length)
        {
            var start = FindTagStart(_pos);
            if (start < 0)
            {
                AddText(_src[_pos..], _line);
                break;
            }
            var kind = _src[start + 1];
            var sign = start + 2 < _src.Length && _src[start + 2] is '-' or '+' ? _src[start + 2] : '\0';
            var text = _src[_pos..start];
            var textLine = _line;
            _line += CountNewlines(text);
            AddText(ControlLeft(text, kind, sign), textLine);
            _pos = start + 2 + (sign == '\0' ? 0 : 1);
            if (kind == '#')
                LexComment();
            else if (kind == '%' && RawStart().Match(_src, _pos) is { Success: true } raw)
                LexRaw(raw);
            else
                LexTag(kind);
        }
        _tokens.Add(new Token(TokenKind.Eof, "", _line));
    }

    private int FindTagStart(int from)
    {
        for (var i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
        {
            if (_src[i + 1] is '{' or '%' or '#')
                return i;
        }
        return -1;
    }

    /// <summary>Whitespace control on the text before a tag: '-' strips all of it, lstrip_blocks the indentation.</summary>
    private string ControlLeft(string text, char kind, char sign)
    {
        if (sign == '-')
            return text.TrimEnd();
        if (sign == '+' || kind == '{')
            return text;
        var lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !_lineStarting)
            return text;
        for (var i = lineStart; i < text.Length; i++)
        {
            if (!char.IsWhiteSpace(text[i]))
                return text;
        }
        return text[..lineStart];
    }

    private void AddText(string text, int line)
    {
        if (text.Length > 0)
            _tokens.Add(new Token(TokenKind.Text, text, line));
    }

    private void LexComment()
    {
        var end = _src.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (end < 0)
            throw new TemplateException("missing end of comment tag", _line);
        var body = _src[_pos..end];
        _line += CountNewlines(body);
        _pos = end + 2;
        ControlRight(body.EndsWith('-') ? '-' : body.EndsWith('+') ? '+' : '\0', trimBlocks: true);
    }

    /// <summary>Whitespace control after a tag: '-' strips all following whitespace, trim_blocks one newline.</summary>
    private void ControlRight(char sign, bool trimBlocks)
    {
        if (sign == '-')
        {
            while (_pos < _src.Length && char.IsWhiteSpace(_src[_pos]))
            {
                if (_src[_pos] == '\n')
                    _line++;
                _pos++;
            }
        }
        else if (sign != '+' && trimBlocks && _pos < _src.Length && _src[_pos] == '\n')
        {
            _pos++;
            _line++;
        }
        _lineStarting = _pos > 0 && _src[_pos - 1] == '\n';
    }

    private void LexRaw(Match raw)
    {
        _pos += raw.Length;
        ControlRight(raw.Groups[1].Value is ['-'] ? '-' : '\0', trimBlocks: true);
        var end = RawEnd().Match(_src, _pos);
        if (!end.Success)
            throw new TemplateException("missing end of raw directive", _line);
        var body = _src[_pos..end.Index];
        if (end.Groups[1].Value == "-")
            body = body.TrimEnd();
        AddText(body, _line);
        _line += CountNewlines(_src[_pos..(end.Index + end.Length)]);
        _pos = end.Index + end.Length;
        ControlRight(end.Groups[2].Value is ['-'] ? '-' : end.Groups[2].Value is ['+'] ? '+' : '\0', trimBlocks: true);
    }

    private void LexTag(char kind)
    {
        var isBlock = kind == '%';
        _tokens.Add(new Token(isBlock ? TokenKind.BlockBegin : TokenKind.VariableBegin, isBlock ? "{%" : "{{", _line));
        var closing = isBlock ? "%}" : "}}";
        var depth = 0;
        while (true)
        {
            SkipWhitespace();
            if (_pos >= _src.Length)
                throw new TemplateException($"unexpected end of template, expected '{closing}'", _line);
            if (depth == 0 && TryClose(closing, isBlock))
                return;
            var token = NextExpressionToken();
            if (token.Kind == TokenKind.Operator)
            {
                if (token.Value is "(" or "[" or "{")
                    depth++;
                else if (token.Value is ")" or "]" or "}")
                    depth = Math.Max(0, depth - 1);
            }
            _tokens.Add(token);
        }
    }

    private bool TryClose(string closing, bool isBlock)
    {
        var sign = '\0';
        var at = _pos;
        if (_src[at] is '-' or '+' && string.CompareOrdinal(_src, at + 1, closing, 0, 2) == 0)
        {
            sign = _src[at];
            at++;
        }
        if (string.CompareOrdinal(_src, at, closing, 0, 2) != 0)
            return false;
        _tokens.Add(new Token(isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd, closing, _line));
        _pos = at + 2;
        ControlRight(sign, trimBlocks: isBlock);
        return true;
    }

    private void SkipWhitespace()
    {
        while (_pos < _src.Length && char.IsWhiteSpace(_src[_pos]))
        {
            if (_src[_pos] == '\n')
                _line++;
            _pos++;
        }
    }

    private Token NextExpressionToken()
    {
        var c = _src[_pos];
        if (char.IsLetter(c) || c == '_')
        {
            var start = _pos;
            while (_pos < _src.Length && (char.IsLetterOrDigit(_src[_pos]) || _src[_pos] == '_'))
                _pos++;
            return new Token(TokenKind.Name, _src[start.._pos], _line);
        }
        if (char.IsAsciiDigit(c))
            return LexNumber();
        if (c is '\'' or '"')
            return LexString(c);
        foreach (var op in TwoCharOperators)
        {
            if (string.CompareOrdinal(_src, _pos, op, 0, 2) == 0)
            {
                _pos += 2;
                return new Token(TokenKind.Operator, op, _line);
            }
        }
        if ("+-*/%~[](){}<>=.:|,;".Contains(c, StringComparison.Ordinal))
        {
            _pos++;
            return new Token(TokenKind.Operator, c.ToString(), _line);
        }
        throw new TemplateException($"unexpected char '{c}'", _line);
    }

    private static readonly string[] TwoCharOperators = ["//", "**", "==", "!=", "<=", ">="];

    private Token LexNumber()
    {
        var start = _pos;
        ScanDigits();
        var isFloat = false;
        if (_pos + 1 < _src.Length && _src[_pos] == '.' && char.IsAsciiDigit(_src[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            ScanDigits();
        }
        if (_pos < _src.Length && _src[_pos] is 'e' or 'E')
        {
            var save = _pos++;
            if (_pos < _src.Length && _src[_pos] is '+' or '-')
                _pos++;
            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                isFloat = true;
                ScanDigits();
            }
            else
            {
                _pos = save;
            }
        }
        var text = _src[start.._pos];
        var clean = text.Replace("_", "", StringComparison.Ordinal);
        if (isFloat)
            return new Token(TokenKind.Float, text, _line, double.Parse(clean, CultureInfo.InvariantCulture));
        return long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? new Token(TokenKind.Integer, text, _line, value)
            : new Token(TokenKind.Float, text, _line, double.Parse(clean, CultureInfo.InvariantCulture));
    }

    private void ScanDigits()
    {
        while (_pos < _src.Length && (char.IsAsciiDigit(_src[_pos]) || (_src[_pos] == '_' && _pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1]))))
            _pos++;
    }

    private Token LexString(char quote)
    {
        var startLine = _line;
        var start = ++_pos;
        while (_pos < _src.Length && _src[_pos] != quote)
        {
            if (_src[_pos] == '\\')
                _pos++;
            else if (_src[_pos] == '\n')
                _line++;
            _pos++;
        }
        if (_pos >= _src.Length)
            throw new TemplateException("unexpected end of string", startLine);
        var raw = _src[start.._pos];
        _pos++;
        return new Token(TokenKind.String, raw, startLine, StringEscapes.Decode(raw));
    }

    private static int CountNewlines(string text)
    {
        var count = 0;
        foreach (var c in text)
        {
            if (c == '\n')
                count++;
        }
        return count;
    }

    [GeneratedRegex(@"\G\s*raw\s*([-+]?)%\}")]
    private static partial Regex RawStart();

    [GeneratedRegex(@"\{%([-+]?)\s*endraw\s*([-+]?)%\}")]
    private static partial Regex RawEnd();
}
