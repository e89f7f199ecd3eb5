using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>A loaded CUBIN and the kernels looked up in it.</summary>
public sealed unsafe class CudaModule : IDisposable
{
    private readonly CudaModuleHandle _handle;

    public CudaModule(CudaDevice device, ReadOnlySpan<byte> cubin)
    {
        Device = device;
        device.MakeCurrent();
        nint module;
        fixed (byte* image = cubin)
            CheckCuda(cuModuleLoadData(out module, image), nameof(cuModuleLoadData));
        _handle = new CudaModuleHandle(device.Context, module);
    }

    public CudaDevice Device { get; }

    /// <summary>
    /// The kernel <paramref name="name"/>. With <paramref name="programmaticLaunch"/> its launches let it start
    /// while the previous kernel in the stream finishes (programmatic dependent launch, sm_90+): the kernel
    /// must call grid_dependency_wait() (Kernels/common.cuh) before touching what other kernels write.
    /// </summary>
    public CudaKernel GetKernel(string name, bool programmaticLaunch = false)
    {
        var result = cuModuleGetFunction(out var function, _handle.DangerousGetHandle(), name);
        if (result != 0)
            throw new CudaException(nameof(cuModuleGetFunction), result, CudaErrorName(result), $"kernel '{name}'");
        return new CudaKernel(name, function, programmaticLaunch);
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>A kernel entry point; lives as long as its module.</summary>
public readonly unsafe struct CudaKernel
{
    private readonly nint _function;

    internal CudaKernel(string name, nint function, bool programmaticLaunch)
    {
        Name = name;
        _function = function;
        ProgrammaticLaunch = programmaticLaunch;
    }

    public string Name { get; }

    /// <summary>Whether launches carry the programmatic-stream-serialization attribute (see <see cref="CudaModule.GetKernel"/>).</summary>
    public bool ProgrammaticLaunch { get; }

    /// <summary>
    /// Lets launches of this kernel ask for up to <paramref name="bytes"/> of dynamic shared memory; past 48 KB
    /// the driver refuses a launch unless the kernel has been allowed this first.
    /// </summary>
    public void SetMaxDynamicSharedBytes(int bytes) =>
        CheckCuda(cuFuncSetAttribute(_function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes), nameof(cuFuncSetAttribute));

    /// <summary>
    /// Queues a launch. <paramref name="args"/> holds one pointer per kernel parameter, each to a local of
    /// the parameter's exact type; callers build it with stackalloc so launches allocate nothing.
    /// </summary>
    public void Launch(uint gridX, uint gridY, uint gridZ, uint block, CudaStream stream, void** args, uint sharedBytes = 0)
    {
        int result;
        if (ProgrammaticLaunch)
        {
            var attribute = new CuLaunchAttribute { Id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION, Value = 1 };
            var config = new CuLaunchConfig
            {
                GridX = gridX, GridY = gridY, GridZ = gridZ, BlockX = block, BlockY = 1, BlockZ = 1,
                SharedMemBytes = sharedBytes, Stream = stream.Handle, Attributes = &attribute, NumAttributes = 1,
            };
            result = cuLaunchKernelEx(&config, _function, args, null);
        }
        else
        {
            result = cuLaunchKernel(_function, gridX, gridY, gridZ, block, 1, 1, sharedBytes, stream.Handle, args, null);
        }
        if (result != 0)
            throw new CudaException(ProgrammaticLaunch ? nameof(cuLaunchKernelEx) : nameof(cuLaunchKernel), result, CudaErrorName(result), $"kernel '{Name}' grid ({gridX},{gridY},{gridZ}) block {block}");
    }
}
