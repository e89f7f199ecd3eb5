using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace DynamoOrleans.Cluster.Resp;

/// <summary>
/// The completion of one sent command, pooled so a command costs no allocation beyond its reply. Up to three
/// parties hold it: the reply FIFO (until the reader dequeues it), the awaiter (until it reads the result) and a
/// cancellation registration (until it is removed or has run); the last to let go returns it to the pool.
/// Whoever completes it first wins: a reply, a timeout, a cancellation or a lost connection.
/// </summary>
internal sealed class PendingCommand : IValueTaskSource<RespValue>
{
    private const int MaxPooled = 4096;
    private static readonly ConcurrentQueue<PendingCommand> s_pool = new();
    private static readonly Action<object?> s_onCancel = static state => ((PendingCommand)state!).OnCancelled();

    private ManualResetValueTaskSourceCore<RespValue> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private CancellationToken _cancellationToken;
    private int _completed;
    private int _holders;

    /// <summary>When the command was queued (TimeProvider timestamp), for the timeout sweep.</summary>
    public long QueuedAt { get; private set; }

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public static PendingCommand Rent(long queuedAt)
    {
        if (!s_pool.TryDequeue(out var command))
            command = new PendingCommand();
        command.QueuedAt = queuedAt;
        command._holders = 2; // the FIFO and the awaiter
        return command;
    }

    public ValueTask<RespValue> AsValueTask() => new(this, _core.Version);

    /// <summary>Call once the command is in the FIFO, so a cancellation can only race with the reply.</summary>
    public void WatchCancellation(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
            return;
        _cancellationToken = cancellationToken;
        Interlocked.Increment(ref _holders);
        _registration = cancellationToken.UnsafeRegister(s_onCancel, this);
        // The reply may have come before the registration existed; then the completer could not remove it, and a
        // long-lived token would keep this command (and its holder count) forever. Remove it here instead.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _completed) != 0)
            StopWatchingCancellation();
    }

    public bool TrySetReply(in RespValue reply)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
            return false;
        StopWatchingCancellation();
        if (reply.Type == RespType.Error)
            _core.SetException(new RedisServerException(reply.AsString() ?? "error"));
        else
            _core.SetResult(reply);
        return true;
    }

    public bool TrySetException(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
            return false;
        StopWatchingCancellation();
        _core.SetException(exception);
        return true;
    }

    /// <summary>The socket refused it before queueing (it had faulted): no one else holds it.</summary>
    public void ReturnUnsent()
    {
        _holders = 1;
        Release();
    }

    /// <summary>The FIFO's release: the reply arrived (used or discarded) or the connection dropped it.</summary>
    public void ReleaseFromQueue() => Release();

    private void OnCancelled()
    {
        TrySetException(new OperationCanceledException(_cancellationToken));
        Release();
    }

    private void StopWatchingCancellation()
    {
        // Unregister succeeds only if the callback has not started; then it will never run and never release.
        if (_cancellationToken.CanBeCanceled && _registration.Unregister())
            Release();
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0)
            return;
        _core.Reset();
        _registration = default;
        _cancellationToken = default;
        _completed = 0;
        if (s_pool.Count < MaxPooled)
            s_pool.Enqueue(this);
    }

    public RespValue GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Release();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
