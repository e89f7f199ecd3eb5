using System.Text;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Python's arithmetic on template values; an Undefined operand fails with its own message, as in Jinja.</summary>
internal static class Operators
{
    public static object? Binary(string op, object? left, object? right)
    {
        if (left is Undefined ul)
            throw ul.Fail();
        if (right is Undefined ur && !(op == "%" && left is string))
            throw ur.Fail();
        return op switch
        {
            "+" => Add(left, right),
            "-" => Numeric(op, left, right, (a, b) => a - b, (a, b) => a - b),
            "*" => Multiply(left, right),
            "/" => Divide(left, right),
            "//" => FloorDivide(left, right),
            "%" => Modulo(left, right),
            "**" => Power(left, right),
            _ => throw new TemplateException($"unknown operator '{op}'"),
        };
    }

    public static object? Unary(string op, object? operand)
    {
        if (operand is Undefined u)
            throw u.Fail();
        return (op, operand) switch
        {
            ("-", long l) => -l,
            ("-", double d) => -d,
            ("-", bool b) => b ? -1L : 0L,
            ("+", long or double) => operand,
            ("+", bool b) => b ? 1L : 0L,
            _ => throw new TemplateException($"bad operand type for unary {op}: '{Values.TypeName(operand)}'"),
        };
    }

    private static object? Add(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => a + b,
        (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
        (object?[] a, object?[] b) => a.Concat(b).ToArray(),
        (string, _) => throw new TemplateException($"can only concatenate str (not \"{Values.TypeName(right)}\") to str"),
        (List<object?>, _) => throw new TemplateException($"can only concatenate list (not \"{Values.TypeName(right)}\") to list"),
        _ => Numeric("+", left, right, (a, b) => a + b, (a, b) => a + b),
    };

    private static object? Multiply(object? left, object? right) => (left, right) switch
    {
        (string s, long or bool) => Repeat(s, Values.ToLong(right)),
        (long or bool, string s) => Repeat(s, Values.ToLong(left)),
        (List<object?> list, long or bool) => Enumerable.Repeat(list, (int)Math.Max(0, Values.ToLong(right))).SelectMany(x => x).ToList(),
        (object?[] tuple, long or bool) => Enumerable.Repeat(tuple, (int)Math.Max(0, Values.ToLong(right))).SelectMany(x => x).ToArray(),
        (long or bool, object?[] tuple) => Enumerable.Repeat(tuple, (int)Math.Max(0, Values.ToLong(left))).SelectMany(x => x).ToArray(),
        (long or bool, List<object?> list) => Enumerable.Repeat(list, (int)Math.Max(0, Values.ToLong(left))).SelectMany(x => x).ToList(),
        _ => Numeric("*", left, right, (a, b) => a * b, (a, b) => a * b),
    };

    private static string Repeat(string s, long count)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
            sb.Append(s);
        return sb.ToString();
    }

    private static object Divide(object? left, object? right)
    {
        RequireNumbers("/", left, right);
        var divisor = Values.ToDouble(right);
        if (divisor == 0)
            throw new TemplateException("division by zero");
        return Values.ToDouble(left) / divisor;
    }

    private static object FloorDivide(object? left, object? right)
    {
        RequireNumbers("//", left, right);
        if (left is double || right is double)
        {
            var divisor = Values.ToDouble(right);
            if (divisor == 0)
                throw new TemplateException("float floor division by zero");
            return FloatDivMod(Values.ToDouble(left), divisor).Div;
        }
        var b = Values.ToLong(right);
        if (b == 0)
            throw new TemplateException("integer division or modulo by zero");
        var a = Values.ToLong(left);
        var q = a / b;
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q;
    }

    private static object? Modulo(object? left, object? right)
    {
        if (left is string format)
            return PercentFormat.Format(format, right);
        RequireNumbers("%", left, right);
        if (left is double || right is double)
        {
            var divisor = Values.ToDouble(right);
            if (divisor == 0)
                throw new TemplateException("float modulo");
            return FloatDivMod(Values.ToDouble(left), divisor).Mod;
        }
        var b = Values.ToLong(right);
        if (b == 0)
            throw new TemplateException("integer division or modulo by zero");
        var m = Values.ToLong(left) % b;
        return m != 0 && (m < 0) != (b < 0) ? m + b : m;
    }

    /// <summary>CPython's float divmod: built on fmod so that 2.5 // 0.1 is 24.0, as Python prints it.</summary>
    private static (double Div, double Mod) FloatDivMod(double x, double y)
    {
        var mod = x % y;
        var div = (x - mod) / y;
        if (mod != 0)
        {
            if ((y < 0) != (mod < 0))
            {
                mod += y;
                div -= 1.0;
            }
        }
        else
        {
            mod = Math.CopySign(0.0, y);
        }
        double floorDiv;
        if (div != 0)
        {
            floorDiv = Math.Floor(div);
            if (div - floorDiv > 0.5)
                floorDiv += 1.0;
        }
        else
        {
            floorDiv = Math.CopySign(0.0, x / y);
        }
        return (floorDiv, mod);
    }

    private static object Power(object? left, object? right)
    {
        RequireNumbers("**", left, right);
        if (left is not double && right is not double && Values.ToLong(right) >= 0)
        {
            long result = 1;
            var b = Values.ToLong(left);
            for (var e = Values.ToLong(right); e > 0; e--)
                result = checked(result * b);
            return result;
        }
        return Math.Pow(Values.ToDouble(left), Values.ToDouble(right));
    }

    private static object Numeric(string op, object? left, object? right, Func<long, long, long> integer, Func<double, double, double> real)
    {
        RequireNumbers(op, left, right);
        if (left is double || right is double)
            return real(Values.ToDouble(left), Values.ToDouble(right));
        return integer(Values.ToLong(left), Values.ToLong(right));
    }

    private static void RequireNumbers(string op, object? left, object? right)
    {
        if (!Values.IsNumber(left) || !Values.IsNumber(right))
            throw new TemplateException($"unsupported operand type(s) for {op}: '{Values.TypeName(left)}' and '{Values.TypeName(right)}'");
    }
}
