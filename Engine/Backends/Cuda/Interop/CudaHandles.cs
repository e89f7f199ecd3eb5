using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Backends.Cuda.Interop;

// One sealed SafeHandle per native object. Owners dispose them deterministically; the finalizer is only
// the last resort. Releases that need the context current (memory, modules, streams, graphs) set it first,
// because a finalizer or another thread may be the one releasing.

/// <summary>A retained primary context of one device.</summary>
internal sealed class CudaContextHandle : SafeHandle
{
    public CudaContextHandle(nint context, int device) : base(0, true)
    {
        SetHandle(context);
        Device = device;
    }

    public int Device { get; }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => NativeMethods.cuDevicePrimaryCtxRelease(Device) == 0;
}

/// <summary>Base for objects that live in a context and must release with it current.</summary>
internal abstract class CudaContextBoundHandle(nint context) : SafeHandle(0, true)
{
    protected nint Context { get; } = context;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.cuCtxSetCurrent(Context);
        return Release(handle) == 0;
    }

    protected abstract int Release(nint value);
}

internal sealed class CudaStreamHandle : CudaContextBoundHandle
{
    public CudaStreamHandle(nint context, nint stream) : base(context) => SetHandle(stream);

    protected override int Release(nint value) => NativeMethods.cuStreamDestroy(value);
}

internal sealed class CudaModuleHandle : CudaContextBoundHandle
{
    public CudaModuleHandle(nint context, nint module) : base(context) => SetHandle(module);

    protected override int Release(nint value) => NativeMethods.cuModuleUnload(value);
}

/// <summary>Device memory from cuMemAlloc; the handle value is the CUdeviceptr.</summary>
internal sealed class DeviceMemoryHandle : CudaContextBoundHandle
{
    public DeviceMemoryHandle(nint context, ulong pointer) : base(context) => SetHandle((nint)pointer);

    protected override int Release(nint value) => NativeMethods.cuMemFree((ulong)value);
}

/// <summary>Page-locked host memory from cuMemHostAlloc.</summary>
internal sealed class PinnedMemoryHandle : CudaContextBoundHandle
{
    public PinnedMemoryHandle(nint context, nint pointer) : base(context) => SetHandle(pointer);

    protected override int Release(nint value) => NativeMethods.cuMemFreeHost(value);
}

internal sealed class CudaGraphHandle : CudaContextBoundHandle
{
    public CudaGraphHandle(nint context, nint graph) : base(context) => SetHandle(graph);

    protected override int Release(nint value) => NativeMethods.cuGraphDestroy(value);
}

internal sealed class CudaGraphExecHandle : CudaContextBoundHandle
{
    public CudaGraphExecHandle(nint context, nint graphExec) : base(context) => SetHandle(graphExec);

    protected override int Release(nint value) => NativeMethods.cuGraphExecDestroy(value);
}

internal sealed class CublasLtHandle : SafeHandle
{
    public CublasLtHandle(nint value) : base(0, true) => SetHandle(value);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => NativeMethods.cublasLtDestroy(handle) == 0;
}

internal sealed class MatmulDescHandle : SafeHandle
{
    public MatmulDescHandle(nint value) : base(0, true) => SetHandle(value);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => NativeMethods.cublasLtMatmulDescDestroy(handle) == 0;
}

internal sealed class MatrixLayoutHandle : SafeHandle
{
    public MatrixLayoutHandle(nint value) : base(0, true) => SetHandle(value);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => NativeMethods.cublasLtMatrixLayoutDestroy(handle) == 0;
}

internal sealed class MatmulPreferenceHandle : SafeHandle
{
    public MatmulPreferenceHandle(nint value) : base(0, true) => SetHandle(value);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => NativeMethods.cublasLtMatmulPreferenceDestroy(handle) == 0;
}

/// <summary>An NVRTC program; nvrtcDestroyProgram takes the handle by reference.</summary>
internal sealed class NvrtcProgramHandle : SafeHandle
{
    public NvrtcProgramHandle(nint value) : base(0, true) => SetHandle(value);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        var value = handle;
        return NativeMethods.nvrtcDestroyProgram(ref value) == 0;
    }
}
