using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.Resp;

/// <summary>
/// A multiplexed, self-healing connection to Redis: any number of callers pipeline commands over one socket.
/// When the socket drops, in-flight commands fail with <see cref="RedisConnectionException"/>, a background
/// loop reconnects with exponential backoff, and commands issued meanwhile wait (up to the command timeout)
/// for it. Blocking commands (XREAD BLOCK) stall everyone behind them, so they get a connection of their own.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly RedisConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _endpoint;
    private readonly ITimer _timeoutSweep;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _stateLock = new();
    private RespSocket? _socket;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reconnectLoop = Task.CompletedTask;
    private int _reconnects;

    private RedisConnection(RedisConnectionOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _endpoint = $"{options.Host}:{options.Port}";
        var sweep = TimeSpan.FromTicks(Math.Clamp(options.CommandTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _timeoutSweep = time.CreateTimer(static s => ((RedisConnection)s!).SweepTimeouts(), this, sweep, sweep);
    }

    /// <summary>Connects (the first connection must succeed) and returns the connection.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisConnectionOptions options, TimeProvider? time = null, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        options = options.Clone();
        options.Validate();
        var connection = new RedisConnection(options, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        try
        {
            var socket = await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            connection.Publish(socket);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Returns at once and connects in the background (retrying with backoff), for hosts that must start while
    /// Redis is still coming up; commands wait for the connection up to the command timeout.
    /// </summary>
    public static RedisConnection Create(RedisConnectionOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        options = options.Clone();
        options.Validate();
        var connection = new RedisConnection(options, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        lock (connection._stateLock)
            connection._reconnectLoop = Task.Run(() => connection.ReconnectLoopAsync(dead: null));
        return connection;
    }

    public RedisConnectionOptions Options => _options;

    public bool IsConnected => Volatile.Read(ref _socket) is { IsFaulted: false };

    /// <summary>How many times the connection has been re-established.</summary>
    public int ReconnectCount => Volatile.Read(ref _reconnects);

    /// <summary>
    /// Sends a command and returns its reply; an error reply throws <see cref="RedisServerException"/>.
    /// The arguments are encoded before this returns, so pooled buffers passed in may be reused at once.
    /// </summary>
    public ValueTask<RespValue> ExecuteAsync(ReadOnlySpan<RespArg> args, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<RespValue>(cancellationToken);
        var socket = Volatile.Read(ref _socket);
        if (socket is not null)
        {
            var command = PendingCommand.Rent(_time.GetTimestamp());
            if (socket.TrySend(args, command))
            {
                command.WatchCancellation(cancellationToken);
                return command.AsValueTask();
            }
            command.ReturnUnsent();
        }
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return WaitThenExecuteAsync(args.ToArray(), cancellationToken);
    }

    private async ValueTask<RespValue> WaitThenExecuteAsync(RespArg[] args, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp();
        while (true)
        {
            var waited = _time.GetElapsedTime(deadline);
            var left = _options.CommandTimeout - waited;
            if (left <= TimeSpan.Zero)
                throw new RedisConnectionException($"not connected to Redis at {_endpoint} (reconnecting for {waited.TotalMilliseconds:0} ms)");
            try
            {
                await Volatile.Read(ref _connected).Task.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                continue;
            }
            var socket = Volatile.Read(ref _socket);
            if (socket is null)
                continue;
            var command = PendingCommand.Rent(_time.GetTimestamp());
            if (socket.TrySend(args, command))
            {
                command.WatchCancellation(cancellationToken);
                return await command.AsValueTask().ConfigureAwait(false);
            }
            command.ReturnUnsent();
            // The socket faulted and the connection has not yet noticed: give the fault handler a moment.
            await Task.Yield();
        }
    }

    private async Task<RespSocket> OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        var socket = await RespSocket.ConnectAsync(_options.Host, _options.Port, OnSocketFault, timeout.Token).ConfigureAwait(false);
        try
        {
            if (_options.Password is not null)
                await HandshakeAsync(socket, _options.User is null ? ["AUTH", _options.Password] : ["AUTH", _options.User, _options.Password]).ConfigureAwait(false);
            if (_options.Database != 0)
                await HandshakeAsync(socket, ["SELECT", _options.Database]).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            await socket.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task HandshakeAsync(RespSocket socket, RespArg[] args)
    {
        var command = PendingCommand.Rent(_time.GetTimestamp());
        if (!socket.TrySend(args, command))
        {
            command.ReturnUnsent();
            throw new RedisConnectionException("connection dropped during handshake");
        }
        await command.AsValueTask().AsTask().WaitAsync(_options.ConnectTimeout, _time).ConfigureAwait(false);
    }

    private void Publish(RespSocket socket)
    {
        TaskCompletionSource connected;
        lock (_stateLock)
        {
            // A socket that died between its handshake and now was ignored by OnSocketFault (it was not current yet).
            if (socket.IsFaulted)
            {
                BeginReconnect(socket, "connection dropped right after it opened");
                return;
            }
            Volatile.Write(ref _socket, socket);
            connected = _connected;
        }
        connected.TrySetResult();
    }

    private void OnSocketFault(RespSocket socket, Exception cause)
    {
        lock (_stateLock)
        {
            if (ReferenceEquals(_socket, socket))
                BeginReconnect(socket, cause.Message);
        }
    }

    private void BeginReconnect(RespSocket dead, string reason)
    {
        if (_disposed.IsCancellationRequested)
            return;
        Volatile.Write(ref _socket, null);
        if (_connected.Task.IsCompleted)
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RedisLog.ConnectionLost(_logger, _endpoint, reason);
        _reconnectLoop = Task.Run(() => ReconnectLoopAsync(dead));
    }

    private async Task ReconnectLoopAsync(RespSocket? dead)
    {
        if (dead is not null)
            await dead.DisposeAsync().ConfigureAwait(false);
        var delay = _options.MinReconnectDelay;
        for (var attempt = 1; !_disposed.IsCancellationRequested; attempt++)
        {
            try
            {
                var socket = await OpenAsync(_disposed.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _reconnects);
                Publish(socket);
                RedisLog.Reconnected(_logger, _endpoint, attempt);
                return;
            }
            catch (Exception ex) when (!_disposed.IsCancellationRequested)
            {
                RedisLog.ReconnectFailed(_logger, attempt, _endpoint, ex.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await Task.Delay(delay, _time, _disposed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    private void SweepTimeouts()
    {
        var socket = Volatile.Read(ref _socket);
        if (socket is null)
            return;
        var now = _time.GetTimestamp();
        var deadline = now - (long)(_options.CommandTimeout.TotalSeconds * _time.TimestampFrequency);
        socket.ExpireOlderThan(deadline, _options.CommandTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        RespSocket? socket;
        lock (_stateLock)
        {
            if (_disposed.IsCancellationRequested)
                return;
            _disposed.Cancel();
            socket = _socket;
            _socket = null;
        }
        await _timeoutSweep.DisposeAsync().ConfigureAwait(false);
        if (socket is not null)
            await socket.DisposeAsync().ConfigureAwait(false);
        try { await _reconnectLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _connected.TrySetException(new ObjectDisposedException(nameof(RedisConnection)));
    }
}
