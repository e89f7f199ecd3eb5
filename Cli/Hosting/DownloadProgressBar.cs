using System.Diagnostics;
using System.Globalization;
using DynamoOrleans.Engine.Hub;

namespace DynamoOrleans.Cli.Hosting;

/// <summary>A one-line progress bar per file on a terminal: name, bar, bytes and rate, redrawn in place.</summary>
internal sealed class DownloadProgressBar(TextWriter output) : IProgress<DownloadProgress>
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string? _file;
    private long _startBytes;
    private TimeSpan _startTime;

    public void Report(DownloadProgress value)
    {
        if (value.File != _file)
        {
            if (_file is not null)
                output.WriteLine();
            (_file, _startBytes, _startTime) = (value.File, value.Bytes, _clock.Elapsed);
        }
        var seconds = Math.Max((_clock.Elapsed - _startTime).TotalSeconds, 1e-3);
        var rate = (value.Bytes - _startBytes) / seconds;
        var bar = value.TotalBytes is > 0 and var total
            ? new string('#', (int)(Width * value.Bytes / total)).PadRight(Width, '.')
            : new string('?', Width);
        var totalText = value.TotalBytes is { } t ? Size(t) : "?";
        output.Write(string.Create(CultureInfo.InvariantCulture, $"\r{value.File,-28} [{bar}] {Size(value.Bytes)}/{totalText} {Size((long)rate)}/s   "));
        if (value.TotalBytes == value.Bytes)
        {
            output.WriteLine();
            _file = null;
        }
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F1}GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1}MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):F0}KiB"),
        _ => $"{bytes}B",
    };
}
