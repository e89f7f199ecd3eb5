using System.Text;
using System.Text.Json;

namespace DynamoOrleans.Gateway.Parsing;

/// <summary>
/// Reads tool-call JSON a character at a time and streams each call to a <see cref="ToolCallEmitter"/>:
/// one <c>{"name":…,"arguments"|"parameters":…}</c> object, a JSON array of them, or objects
/// separated by <c>;</c> (Llama 3.2). The call starts once its name is read; arguments written
/// as JSON stream as they arrive, compacted (whitespace outside strings dropped, everything else
/// exactly as the model wrote it); arguments written as a JSON string are sent decoded once the
/// string closes; arguments before the name wait for it. <see cref="ToolCallJson"/> gives the
/// same arguments string for the same text.
/// </summary>
internal sealed class ToolCallReader(ToolCallEmitter emitter)
{
    private readonly JsonScanner _json = new();
    private readonly StringBuilder _key = new();
    private readonly StringBuilder _value = new();
    private readonly StringBuilder _heldArguments = new();
    private Sequence _sequence;
    private bool _array;
    private int _calls;
    private Field _field;
    private bool _capturing;
    private string? _name;
    private bool _hasArguments;
    private bool _stringArguments;

    private enum Sequence : byte
    {
        Start,
        InCall,
        AfterCall,
        ExpectCall,
        ArrayClosed,
        Failed,
    }

    private enum Field : byte
    {
        Other,
        Name,
        Arguments,
    }

    public bool Failed => _sequence == Sequence.Failed;

    public void Reset()
    {
        _sequence = Sequence.Start;
        _array = false;
        _calls = 0;
        ResetCall();
    }

    /// <summary>Reads one character; false once the text cannot be tool calls.</summary>
    public bool Feed(char c)
    {
        var whitespace = c is ' ' or '\t' or '\n' or '\r';
        switch (_sequence)
        {
            case Sequence.InCall:
                return CallChar(c) || Fail();
            case Sequence.Start:
                if (whitespace) return true;
                if (c == '[' && !_array)
                {
                    _array = true;
                    _sequence = Sequence.ExpectCall;
                    return true;
                }
                goto case Sequence.ExpectCall;
            case Sequence.ExpectCall:
                if (whitespace) return true;
                if (c != '{') return Fail();
                _sequence = Sequence.InCall;
                return CallChar(c) || Fail();
            case Sequence.AfterCall:
                if (whitespace) return true;
                if (_array ? c == ',' : c == ';') _sequence = Sequence.ExpectCall;
                else if (_array && c == ']') _sequence = Sequence.ArrayClosed;
                else return Fail();
                return true;
            case Sequence.ArrayClosed:
                return whitespace || Fail();
            default:
                return false;
        }
    }

    /// <summary>True when everything read is one or more complete calls.</summary>
    public bool End() => _calls > 0 && (_sequence == Sequence.ArrayClosed || (!_array && _sequence is Sequence.AfterCall or Sequence.ExpectCall));

    private bool CallChar(char c)
    {
        var depth = _json.Depth;
        var wasKey = depth == 1 && _json.InKey;
        var startsValue = depth == 1 && _json.ExpectsValue;
        var endsNumber = depth == 1 && _json.InNumber;
        var kind = _json.Feed(c);
        if (kind == JsonChar.Invalid) return false;
        if (_capturing)
        {
            if (endsNumber && !_json.InNumber)
            {
                if (!EndValue()) return false;
            }
            else
            {
                if (kind == JsonChar.Token) Capture(c);
                if (_json.Depth == 1 && _json.IsAfterValue && !EndValue()) return false;
            }
        }
        else if (startsValue && kind == JsonChar.Token)
        {
            _capturing = true;
            StartValue(c);
        }
        else if (wasKey)
        {
            if (_json.InKey) _key.Append(c);
            else KeyDone();
        }
        return !_json.IsComplete || CallDone();
    }

    private void KeyDone()
    {
        var key = _key.Length == 0 ? string.Empty : Decode(_key.ToString());
        _key.Clear();
        _field = key switch
        {
            "name" when _name is null => Field.Name,
            "arguments" or "parameters" when !_hasArguments => Field.Arguments,
            _ => Field.Other,
        };
    }

    private void StartValue(char c)
    {
        if (_field == Field.Arguments)
        {
            _hasArguments = true;
            _stringArguments = c == '"';
        }
        Capture(c);
    }

    private void Capture(char c)
    {
        if (_field == Field.Name || (_field == Field.Arguments && _stringArguments)) _value.Append(c);
        else if (_field == Field.Arguments && _name is not null) emitter.Arguments(c);
        else if (_field == Field.Arguments) _heldArguments.Append(c);
    }

    private bool EndValue()
    {
        _capturing = false;
        var field = _field;
        _field = Field.Other;
        if (field == Field.Name)
        {
            // A name that is not a string makes the object something other than a call.
            if (_value.Length < 2 || _value[0] != '"') return false;
            _name = Decode(_value.ToString(1, _value.Length - 2));
            _value.Clear();
            emitter.Begin(_name);
            if (_heldArguments.Length > 0) emitter.Arguments(_heldArguments.ToString());
            _heldArguments.Clear();
        }
        else if (field == Field.Arguments && _stringArguments)
        {
            var decoded = Decode(_value.ToString(1, _value.Length - 2));
            _value.Clear();
            if (_name is not null) emitter.Arguments(decoded);
            else _heldArguments.Append(decoded);
        }
        return true;
    }

    private bool CallDone()
    {
        if (_name is null) return false;
        if (!_hasArguments) emitter.Arguments("{}");
        emitter.EndCall();
        _calls++;
        ResetCall();
        _sequence = Sequence.AfterCall;
        return true;
    }

    private void ResetCall()
    {
        _json.Reset();
        _key.Clear();
        _value.Clear();
        _heldArguments.Clear();
        _field = Field.Other;
        _capturing = false;
        _name = null;
        _hasArguments = false;
        _stringArguments = false;
    }

    private bool Fail()
    {
        _sequence = Sequence.Failed;
        emitter.EndCall();
        return false;
    }

    /// <summary>The text of a JSON string's body (between its quotes); escapes are rare, so only they pay for a decoder.</summary>
    private static string Decode(string body)
    {
        if (!body.Contains('\\', StringComparison.Ordinal)) return body;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes("\"" + body + "\""));
            reader.Read();
            return reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape (\ud800) has no string value; keep the text as written.
            return body;
        }
    }
}
