namespace DynamoOrleans.Gateway.Parsing;

/// <summary>What one character was to a <see cref="JsonScanner"/>.</summary>
internal enum JsonChar : byte
{
    /// <summary>The character cannot continue valid JSON.</summary>
    Invalid,

    /// <summary>Part of a token (structural character, string, number or literal).</summary>
    Token,

    /// <summary>Whitespace between tokens: not part of the compact text.</summary>
    Whitespace,
}

/// <summary>
/// Validates one JSON value a character at a time, so a tool call's arguments can be streamed
/// while they are generated and a syntax error is seen at the character that makes it. It keeps
/// only a state and a stack of container kinds: nothing is allocated per character. Limits match
/// <see cref="System.Text.Json.JsonDocument"/>'s defaults (depth 64, no comments, no trailing commas).
/// </summary>
internal sealed class JsonScanner
{
    private const int MaxDepth = 64;
    private const string True = "true";
    private const string False = "false";
    private const string Null = "null";

    private readonly bool[] _isObject = new bool[MaxDepth];
    private State _state;
    private bool _stringIsKey;
    private string _literal = Null;
    private int _literalAt;
    private int _hexLeft;

    private enum State : byte
    {
        Value,
        ValueOrArrayEnd,
        KeyOrObjectEnd,
        Key,
        Colon,
        AfterValue,
        String,
        Escape,
        Unicode,
        Literal,
        Minus,
        Zero,
        Integer,
        Dot,
        Fraction,
        Exponent,
        ExponentSign,
        ExponentDigits,
    }

    /// <summary>Containers open after the last character.</summary>
    public int Depth { get; private set; }

    /// <summary>The top-level value has ended (only whitespace may follow).</summary>
    public bool IsComplete => _state == State.AfterValue && Depth == 0;

    /// <summary>A value has just ended at the current depth and a separator or a closing bracket is due.</summary>
    public bool IsAfterValue => _state == State.AfterValue;

    /// <summary>A value is due (after a colon, a comma in an array, or at the start).</summary>
    public bool ExpectsValue => _state is State.Value or State.ValueOrArrayEnd;

    /// <summary>Inside a number, which only the next non-digit character ends.</summary>
    public bool InNumber => _state >= State.Minus;

    /// <summary>Inside an object key's string (after its opening quote).</summary>
    public bool InKey => _stringIsKey && _state is State.String or State.Escape or State.Unicode;

    public void Reset()
    {
        _state = State.Value;
        Depth = 0;
        _stringIsKey = false;
    }

    public JsonChar Feed(char c)
    {
        switch (_state)
        {
            case State.String:
                if (c == '"')
                {
                    _state = _stringIsKey ? State.Colon : State.AfterValue;
                    _stringIsKey = false;
                }
                else if (c == '\\') _state = State.Escape;
                else if (c < 0x20) return JsonChar.Invalid;
                return JsonChar.Token;
            case State.Escape:
                if (c == 'u') (_state, _hexLeft) = (State.Unicode, 4);
                else if (c is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't') _state = State.String;
                else return JsonChar.Invalid;
                return JsonChar.Token;
            case State.Unicode:
                if (!char.IsAsciiHexDigit(c)) return JsonChar.Invalid;
                if (--_hexLeft == 0) _state = State.String;
                return JsonChar.Token;
            case State.Literal:
                if (c != _literal[_literalAt]) return JsonChar.Invalid;
                if (++_literalAt == _literal.Length) _state = State.AfterValue;
                return JsonChar.Token;
        }
        if (InNumber)
        {
            if (ContinueNumber(c)) return JsonChar.Token;
            if (_state is not (State.Zero or State.Integer or State.Fraction or State.ExponentDigits)) return JsonChar.Invalid;
            _state = State.AfterValue;
        }
        if (c is ' ' or '\t' or '\n' or '\r') return JsonChar.Whitespace;
        return Structural(c) ? JsonChar.Token : JsonChar.Invalid;
    }

    private bool Structural(char c)
    {
        switch (_state)
        {
            case State.Value:
            case State.ValueOrArrayEnd:
                if (c == ']' && _state == State.ValueOrArrayEnd) return Close(isObject: false);
                return StartValue(c);
            case State.KeyOrObjectEnd:
                if (c == '}') return Close(isObject: true);
                goto case State.Key;
            case State.Key:
                if (c != '"') return false;
                (_state, _stringIsKey) = (State.String, true);
                return true;
            case State.Colon:
                if (c != ':') return false;
                _state = State.Value;
                return true;
            case State.AfterValue:
                if (Depth == 0) return false;
                var inObject = _isObject[Depth - 1];
                if (c == ',')
                {
                    _state = inObject ? State.Key : State.Value;
                    return true;
                }
                return (c == '}' && inObject) || (c == ']' && !inObject) ? Close(inObject) : false;
            default:
                return false;
        }
    }

    private bool StartValue(char c)
    {
        switch (c)
        {
            case '{':
            case '[':
                if (Depth == MaxDepth) return false;
                _isObject[Depth++] = c == '{';
                _state = c == '{' ? State.KeyOrObjectEnd : State.ValueOrArrayEnd;
                return true;
            case '"':
                _state = State.String;
                return true;
            case 't':
            case 'f':
            case 'n':
                (_literal, _literalAt, _state) = (c == 't' ? True : c == 'f' ? False : Null, 1, State.Literal);
                return true;
            case '-':
                _state = State.Minus;
                return true;
            case '0':
                _state = State.Zero;
                return true;
            default:
                if (c is < '1' or > '9') return false;
                _state = State.Integer;
                return true;
        }
    }

    private bool Close(bool isObject)
    {
        if (Depth == 0 || _isObject[Depth - 1] != isObject) return false;
        Depth--;
        _state = State.AfterValue;
        return true;
    }

    private bool ContinueNumber(char c)
    {
        var digit = char.IsAsciiDigit(c);
        var next = _state switch
        {
            State.Minus => c == '0' ? State.Zero : digit ? State.Integer : State.Value,
            State.Zero => c == '.' ? State.Dot : c is 'e' or 'E' ? State.Exponent : State.Value,
            State.Integer => digit ? State.Integer : c == '.' ? State.Dot : c is 'e' or 'E' ? State.Exponent : State.Value,
            State.Dot => digit ? State.Fraction : State.Value,
            State.Fraction => digit ? State.Fraction : c is 'e' or 'E' ? State.Exponent : State.Value,
            State.Exponent => c is '+' or '-' ? State.ExponentSign : digit ? State.ExponentDigits : State.Value,
            State.ExponentSign or State.ExponentDigits => digit ? State.ExponentDigits : State.Value,
            _ => State.Value,
        };
        if (next == State.Value) return false;
        _state = next;
        return true;
    }
}
