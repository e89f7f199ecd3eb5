using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace DynamoOrleans.Cluster.Resp;

/// <summary>
/// One TCP connection to Redis, shared by many callers. Commands are encoded into a send buffer and their
/// completions queued in the same lock, so replies (which Redis sends in order) match the FIFO. A single
/// writer loop swaps the buffer and sends it whole, which pipelines whatever piled up during the last send.
/// Any I/O or protocol failure faults the socket once: every queued command fails and the owner reconnects.
/// </summary>
internal sealed class RespSocket : IAsyncDisposable
{
    private const int ShrinkAbove = 1024 * 1024;

    private readonly Socket _socket;
    private readonly Lock _lock = new();
    private readonly Queue<PendingCommand> _pending = new();
    private readonly SemaphoreSlim _flushSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<RespSocket, Exception> _onFault;
    private RespWriter _filling = new();
    private RespWriter _sending = new();
    private bool _flushScheduled;
    private Exception? _fault;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    private RespSocket(Socket socket, Action<RespSocket, Exception> onFault)
    {
        _socket = socket;
        _onFault = onFault;
    }

    public static async Task<RespSocket> ConnectAsync(string host, int port, Action<RespSocket, Exception> onFault, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new RespSocket(socket, onFault);
        connection._readLoop = Task.Run(connection.ReadLoopAsync, CancellationToken.None);
        connection._writeLoop = Task.Run(connection.WriteLoopAsync, CancellationToken.None);
        return connection;
    }

    public bool IsFaulted => Volatile.Read(ref _fault) is not null;

    /// <summary>Queues the command; false (and nothing queued) if the socket has already faulted.</summary>
    public bool TrySend(ReadOnlySpan<RespArg> args, PendingCommand command)
    {
        lock (_lock)
        {
            if (_fault is not null)
                return false;
            _filling.WriteCommand(args);
            _pending.Enqueue(command);
            if (_flushScheduled)
                return true;
            _flushScheduled = true;
        }
        _flushSignal.Release();
        return true;
    }

    /// <summary>Fails the commands at the head of the FIFO that have waited past the timeout; their replies are discarded when they come.</summary>
    public void ExpireOlderThan(long deadlineTimestamp, TimeSpan timeout)
    {
        lock (_lock)
        {
            foreach (var command in _pending)
            {
                if (command.QueuedAt > deadlineTimestamp)
                    break;
                if (!command.IsCompleted)
                    command.TrySetException(new TimeoutException($"Redis did not answer within {timeout.TotalMilliseconds:0} ms"));
            }
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _flushSignal.WaitAsync(_stop.Token).ConfigureAwait(false);
                lock (_lock)
                {
                    (_filling, _sending) = (_sending, _filling);
                    _flushScheduled = false;
                }
                var data = _sending.Written;
                while (!data.IsEmpty)
                {
                    var sent = await _socket.SendAsync(data, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    data = data[sent..];
                }
                _sending.Clear(ShrinkAbove);
            }
        }
        catch (Exception ex)
        {
            Fault(ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        var reader = PipeReader.Create(new NetworkStream(_socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_stop.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var sequence = new SequenceReader<byte>(buffer);
                while (RespParser.TryParse(ref sequence, out var reply))
                    Complete(reply);
                reader.AdvanceTo(sequence.Position, buffer.End);
                if (result.IsCompleted)
                    throw new RedisConnectionException("Redis closed the connection");
            }
        }
        catch (Exception ex)
        {
            Fault(ex);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Complete(in RespValue reply)
    {
        PendingCommand? command;
        lock (_lock)
            _pending.TryDequeue(out command);
        if (command is null)
            throw new RespProtocolException("a reply arrived for no command");
        command.TrySetReply(reply);
        command.ReleaseFromQueue();
    }

    private void Fault(Exception cause)
    {
        PendingCommand[] dropped;
        lock (_lock)
        {
            if (_fault is not null)
                return;
            _fault = cause;
            dropped = [.. _pending];
            _pending.Clear();
        }
        _stop.Cancel();
        _socket.Dispose();
        var error = new RedisConnectionException($"connection to Redis lost ({cause.Message}); the command may or may not have run", cause);
        foreach (var command in dropped)
        {
            command.TrySetException(error);
            command.ReleaseFromQueue();
        }
        _onFault(this, cause);
    }

    public async ValueTask DisposeAsync()
    {
        Fault(new ObjectDisposedException(nameof(RespSocket)));
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        _filling.Dispose();
        _sending.Dispose();
        _stop.Dispose();
        _flushSignal.Dispose();
    }
}
