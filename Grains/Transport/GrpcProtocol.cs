using System.Globalization;
using System.Text;

namespace DynamoOrleans.Grains.Transport;

/// <summary>
/// The fixed parts of gRPC over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md): header names, the content type,
/// the timeout syntax and the percent-encoding of <c>grpc-message</c>.
/// </summary>
public static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";

    /// <summary>The frame header: one compressed-flag byte and a 4-byte big-endian length.</summary>
    public const int FrameHeaderSize = 5;

    /// <summary>gRPC's default limit on a received message (4 MiB).</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>True for <c>application/grpc</c> and its <c>+proto</c> / parameterized variants.</summary>
    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    /// <summary>Writes a timeout as at most 8 digits and a unit, choosing the finest unit that fits.</summary>
    public static string FormatTimeout(TimeSpan timeout)
    {
        var ticks = Math.Max(0, timeout.Ticks);
        // One tick is 100 ns; try units from finest to coarsest until the value fits in 8 digits.
        ReadOnlySpan<(long TicksPerUnit, char Unit)> units = [(1, 'n'), (10, 'u'), (10_000, 'm'), (10_000_000, 'S'), (600_000_000, 'M'), (36_000_000_000, 'H')];
        foreach (var (perUnit, unit) in units)
        {
            var value = unit == 'n' ? ticks * 100 : (ticks + perUnit - 1) / perUnit;
            if (value < 100_000_000)
                return value.ToString(CultureInfo.InvariantCulture) + unit;
        }
        return "99999999H";
    }

    public static bool TryParseTimeout(string? text, out TimeSpan timeout)
    {
        timeout = default;
        if (text is null || text.Length < 2 || text.Length > 9
            || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            return false;
        double ticks = text[^1] switch
        {
            'H' => value * 36_000_000_000d,
            'M' => value * 600_000_000d,
            'S' => value * 10_000_000d,
            'm' => value * 10_000d,
            'u' => value * 10d,
            'n' => value / 100d,
            _ => -1,
        };
        if (ticks < 0)
            return false;
        timeout = ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)Math.Ceiling(ticks));
        return true;
    }

    /// <summary>Percent-encodes what is outside printable ASCII (and '%') after UTF-8 encoding, as the spec asks.</summary>
    public static string EncodeMessage(string message)
    {
        var needsEncoding = false;
        foreach (var c in message)
            needsEncoding |= c is < ' ' or > '~' or '%';
        if (!needsEncoding)
            return message;
        var builder = new StringBuilder(message.Length + 16);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is < (byte)' ' or > (byte)'~' or (byte)'%')
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            else
                builder.Append((char)b);
        }
        return builder.ToString();
    }

    /// <summary>Reverses <see cref="EncodeMessage"/>; a malformed escape is kept as it is, as the spec asks.</summary>
    public static string DecodeMessage(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded) || !encoded.Contains('%', StringComparison.Ordinal))
            return encoded ?? "";
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '%' && i + 2 < encoded.Length
                && byte.TryParse(encoded.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add((byte)encoded[i]);
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
