using System.Diagnostics.CodeAnalysis;
using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>A non-blocking stream: the order in which one runner's copies, kernels and GEMMs run.</summary>
public sealed class CudaStream : IDisposable
{
    private readonly CudaStreamHandle _handle;

    internal CudaStream(CudaDevice device)
    {
        Device = device;
        device.MakeCurrent();
        CheckCuda(cuStreamCreate(out var stream, CU_STREAM_NON_BLOCKING), nameof(cuStreamCreate));
        _handle = new CudaStreamHandle(device.Context, stream);
    }

    public CudaDevice Device { get; }

    internal nint Handle => _handle.DangerousGetHandle();

    /// <summary>Inside <see cref="TryCapture"/>: work queued now is recorded, not run.</summary>
    public bool IsCapturing { get; private set; }

    public void Synchronize() => CheckCuda(cuStreamSynchronize(Handle), nameof(cuStreamSynchronize));

    /// <summary>
    /// Records the work <paramref name="record"/> queues into a graph instead of running it. False, with nothing
    /// recorded or run, when CUDA invalidated the capture: a synchronizing call on the same GPU from another thread
    /// does that even to a thread-local capture (a second runner, a weight upload, a test beside this one), so
    /// callers run the work uncaptured or capture again later. Any other failure throws.
    /// </summary>
    public bool TryCapture(Action record, [NotNullWhen(true)] out CudaGraph? graph)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (IsCapturing)
            throw new InvalidOperationException("this stream is already capturing a graph");
        graph = null;
        CheckCuda(cuStreamBeginCapture(Handle, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), nameof(cuStreamBeginCapture));
        IsCapturing = true;
        try
        {
            record();
        }
        catch (Exception e) when (e is CudaException { Status: CUDA_ERROR_STREAM_CAPTURE_INVALIDATED } || CaptureInvalidated())
        {
            // A launch into an invalidated capture fails with the driver's status, or with a library's own
            // (cuBLASLt: CUBLAS_STATUS_EXECUTION_FAILED), so the capture's status decides, not the exception.
            AbandonCapture();
            return false;
        }
        catch
        {
            AbandonCapture();
            throw;
        }
        IsCapturing = false;
        var ended = cuStreamEndCapture(Handle, out var captured);
        if (ended == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED)
            return false;
        CheckCuda(ended, nameof(cuStreamEndCapture));
        graph = new CudaGraph(Device, captured);
        return true;
    }

    private bool CaptureInvalidated() =>
        cuStreamIsCapturing(Handle, out var status) == CUDA_SUCCESS && status == CU_STREAM_CAPTURE_STATUS_INVALIDATED;

    /// <summary>Ends a capture whose recording failed, dropping whatever it recorded; its own status is not the error.</summary>
    private void AbandonCapture()
    {
        IsCapturing = false;
        if (cuStreamEndCapture(Handle, out var captured) == CUDA_SUCCESS && captured != 0)
            cuGraphDestroy(captured);
    }

    public void Dispose() => _handle.Dispose();
}
