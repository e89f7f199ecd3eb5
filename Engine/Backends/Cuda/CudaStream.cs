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

    /// <summary>Between <see cref="BeginCapture"/> and <see cref="EndCapture"/>: work queued now is recorded, not run.</summary>
    public bool IsCapturing { get; private set; }

    public void Synchronize() => CheckCuda(cuStreamSynchronize(Handle), nameof(cuStreamSynchronize));

    /// <summary>Records everything queued until <see cref="EndCapture"/> into a graph instead of running it.</summary>
    public void BeginCapture()
    {
        CheckCuda(cuStreamBeginCapture(Handle, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), nameof(cuStreamBeginCapture));
        IsCapturing = true;
    }

    public CudaGraph EndCapture()
    {
        IsCapturing = false;
        CheckCuda(cuStreamEndCapture(Handle, out var graph), nameof(cuStreamEndCapture));
        return new CudaGraph(Device, graph);
    }

    public void Dispose() => _handle.Dispose();
}
