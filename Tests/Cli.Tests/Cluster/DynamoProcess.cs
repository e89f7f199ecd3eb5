using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>
/// One real <c>dynamo</c> process (<c>dotnet dynamo.dll ...</c>) whose stdout and stderr are kept line by line,
/// so a test can wait for a line and quote the whole log when something goes wrong. Disposing kills it;
/// every started process is also killed when the test host exits, so none outlives a crashed run.
/// </summary>
public sealed class DynamoProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private int _pid;
    private bool _disposed;

    static DynamoProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += static (_, _) =>
        {
            foreach (var process in Live.Values) TryKill(process);
        };
    }

    private DynamoProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>What the test calls it in messages (<c>silo n1</c>, <c>gateway kv</c>).</summary>
    public string Name { get; }

    public int Id => _pid;

    public bool HasExited => _process.HasExited;

    public static DynamoProcess Start(string name, string cacheRoot, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dynamo.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DYNAMO_CACHE"] = cacheRoot;
        var process = new Process { StartInfo = start };
        var started = new DynamoProcess(name, process);
        process.OutputDataReceived += (_, e) => started.Append(e.Data, "");
        process.ErrorDataReceived += (_, e) => started.Append(e.Data, "stderr: ");
        if (!process.Start())
            throw new InvalidOperationException($"{name}: dotnet did not start");
        started._pid = process.Id;
        Live[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Everything the process wrote so far, stdout and stderr interleaved as they came.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
                return string.Join('\n', _lines);
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
                return [.. _lines];
        }
    }

    /// <summary>Waits for the first line (already written or still to come) that matches; fails with the log if the process exits first.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var line in Lines)
            {
                if (pattern.Match(line) is { Success: true } match)
                    return match;
            }
            if (_process.HasExited)
            {
                // The output readers may still hold the last lines; give them a moment before deciding.
                await _process.WaitForExitAsync();
                if (Lines.Any(pattern.IsMatch)) continue;
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before writing /{pattern}/:\n{Output}");
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{Name} wrote no line matching /{pattern}/ within {timeout.TotalSeconds:0} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no drain, no deregistration, sockets reset by the kernel (a crash, a lost node).</summary>
    public async Task KillAsync()
    {
        if (_disposed) return;
        TryKill(_process);
        await _process.WaitForExitAsync();
        Live.TryRemove(_pid, out _);
    }

    /// <summary>SIGTERM, as Kubernetes or systemd stop a process; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _pid.ToString(CultureInfo.InvariantCulture)]))
            await kill!.WaitForExitAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0} s of SIGTERM:\n{Output}");
        }
        Live.TryRemove(_pid, out _);
        return _process.ExitCode;
    }

    /// <summary>The last lines of the log, for the test output.</summary>
    public string Tail(int lines)
    {
        var all = Lines;
        var text = new StringBuilder();
        text.Append("--- ").Append(Name).Append(" (pid ").Append(_pid).Append(") ---\n");
        foreach (var line in all.Skip(Math.Max(0, all.Count - lines))) text.Append(line).Append('\n');
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (_disposed) return;
        _disposed = true;
        _process.Dispose();
    }

    private void Append(string? line, string prefix)
    {
        if (line is null) return;
        lock (_lock)
            _lines.Add(prefix + line);
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }
}
