using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Scheduling;

namespace DynamoOrleans.Engine.Serving;

/// <summary>
/// Runs an <see cref="LlmEngine"/> on one dedicated thread and serves it as an
/// <see cref="IEngineClient"/>. Callers never touch the engine: they post commands (add, abort)
/// to a queue that the loop drains between steps, and read their tokens from a channel each.
/// </summary>
/// <remarks>
/// A request whose caller cancels, or stops reading early, is aborted at the next step boundary and
/// its blocks are freed; the caller sees <see cref="OperationCanceledException"/>. Requests cut
/// short by the engine itself (shutdown, a runner failure) end with an output whose
/// <see cref="TokenOutput.TokenId"/> is -1 and whose finish reason is Cancelled or Error; after an
/// Error the stream throws the runner's exception.
/// </remarks>
public sealed class EngineClient : IEngineClient, IKvIndexSource, IAsyncDisposable
{
    private readonly LlmEngine _engine;
    private readonly ConcurrentQueue<Command> _commands = new();
    private readonly ConcurrentQueue<TaskCompletionSource<KvIndexSnapshot>> _snapshots = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Dictionary<Sequence, RequestStream> _streams = [];
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _loadLock = new();
    private readonly Lock _postLock = new();
    private EngineLoad _load;
    private volatile bool _isStopping;
    private bool _hasStopped;

    public EngineClient(LlmEngine engine)
    {
        _engine = engine;
        _load = engine.GetLoad();
        _thread = new Thread(Loop) { IsBackground = true, Name = $"engine {engine.Model.Name}" };
        _thread.Start();
    }

    public ModelCard Model => _engine.Model;

    /// <summary>The last exception a step threw, if any (the loop keeps serving after it).</summary>
    public Exception? LastError { get; private set; }

    public IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken)
    {
        // Validate here so a bad request fails in the caller's frame, not on the engine thread.
        RequestValidator.ThrowIfInvalid(request, Model.VocabSize, Model.MaxContextLength);
        ObjectDisposedException.ThrowIf(_isStopping, this);
        var stream = new RequestStream(request);
        Post(new Command(CommandKind.Add, stream));
        return ReadAsync(stream, cancellationToken);
    }

    public EngineLoad GetLoad()
    {
        lock (_loadLock)
            return _load;
    }

    /// <summary>Reads the prefix cache on the engine thread, between steps, so the dump and its event id agree.</summary>
    public async ValueTask<KvIndexSnapshot> GetKvIndexAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_isStopping, this);
        var snapshot = new TaskCompletionSource<KvIndexSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        _snapshots.Enqueue(snapshot);
        _signal.Release();
        if (_stopped.Task.IsCompleted)
            FailSnapshots();
        return await snapshot.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_isStopping)
        {
            _isStopping = true;
            _signal.Release();
        }
        await _stopped.Task.ConfigureAwait(false);
    }

    private async IAsyncEnumerable<TokenOutput> ReadAsync(RequestStream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var isComplete = false;
        try
        {
            await foreach (var output in stream.Channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                isComplete = output.IsFinal;
                yield return output;
            }
        }
        finally
        {
            if (!isComplete && !_isStopping)
                Post(new Command(CommandKind.Abort, stream));
        }
    }

    private void Post(Command command)
    {
        // Under the lock, a command either reaches the loop's last drain or sees that the loop is gone.
        lock (_postLock)
        {
            if (!_hasStopped)
            {
                _commands.Enqueue(command);
                _signal.Release();
                return;
            }
        }
        if (command.Kind == CommandKind.Add)
            command.Stream.Channel.Writer.TryComplete(new ObjectDisposedException(nameof(EngineClient)));
    }

    private void Loop()
    {
        Exception? fatal = null;
        try
        {
            while (!_isStopping)
            {
                DrainCommands();
                if (_engine.HasWork)
                    RunStep();
                else
                    _signal.Wait();
                PublishLoad();
            }
        }
        catch (Exception ex)
        {
            // A bug outside the runner; the streams still end rather than hang.
            LastError = fatal = ex;
        }
        finally
        {
            lock (_postLock)
                _hasStopped = true;
            try
            {
                DrainCommands();
                EndAll(fatal is null ? FinishReason.Cancelled : FinishReason.Error, fatal);
                PublishLoad();
            }
            finally
            {
                _engine.Dispose();
                _stopped.TrySetResult();
                FailSnapshots();
            }
        }
    }

    private void DrainCommands()
    {
        while (_snapshots.TryDequeue(out var snapshot))
            snapshot.TrySetResult(_engine.Blocks.SnapshotCachedBlocks());
        while (_commands.TryDequeue(out var command))
        {
            var stream = command.Stream;
            if (command.Kind == CommandKind.Add)
            {
                try
                {
                    stream.Sequence = _engine.AddRequest(stream.Request);
                    _streams.Add(stream.Sequence, stream);
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
                {
                    stream.Channel.Writer.TryComplete(ex);
                }
            }
            else if (stream.Sequence is { IsFinished: false } seq)
            {
                _engine.Abort(seq);
                _streams.Remove(seq);
                stream.Channel.Writer.TryComplete();
            }
        }
    }

    private void FailSnapshots()
    {
        while (_snapshots.TryDequeue(out var snapshot))
            snapshot.TrySetException(new ObjectDisposedException(nameof(EngineClient)));
    }

    private void RunStep()
    {
        IReadOnlyList<StepOutput> outputs;
        try
        {
            outputs = _engine.Step();
        }
        catch (Exception ex)
        {
            // The runner's state is unknown after a failure: end what is in flight and keep serving new requests.
            LastError = ex;
            EndAll(FinishReason.Error, ex);
            return;
        }
        for (var i = 0; i < outputs.Count; i++)
        {
            var (seq, output) = outputs[i];
            if (!_streams.TryGetValue(seq, out var stream))
                continue;
            stream.Channel.Writer.TryWrite(output);
            if (output.IsFinal)
            {
                stream.Channel.Writer.TryComplete();
                _streams.Remove(seq);
            }
        }
    }

    private void EndAll(FinishReason reason, Exception? error)
    {
        foreach (var seq in _engine.FinishAll(reason))
        {
            if (!_streams.Remove(seq, out var stream))
                continue;
            stream.Channel.Writer.TryWrite(new TokenOutput(-1, reason) { CachedPromptTokens = seq.NumCachedPromptTokens });
            stream.Channel.Writer.TryComplete(error);
        }
    }

    private void PublishLoad()
    {
        var load = _engine.GetLoad();
        lock (_loadLock)
            _load = load;
    }

    private enum CommandKind
    {
        Add,
        Abort,
    }

    private readonly record struct Command(CommandKind Kind, RequestStream Stream);

    private sealed class RequestStream(GenerateRequest request)
    {
        public GenerateRequest Request { get; } = request;

        public Channel<TokenOutput> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<TokenOutput>(
            new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        /// <summary>Set on the engine thread once queued.</summary>
        public Sequence? Sequence { get; set; }
    }
}
