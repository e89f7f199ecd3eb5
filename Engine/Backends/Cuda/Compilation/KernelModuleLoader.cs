namespace DynamoOrleans.Engine.Backends.Cuda.Compilation;

/// <summary>Turns the embedded kernel sources into a loaded module for a device: from the CUBIN cache, else NVRTC.</summary>
public static class KernelModuleLoader
{
    /// <param name="earlyDependentLaunch">Kernels let the next one launch before their own wait (PDL_EARLY_TRIGGER in
    /// Kernels/common.cuh); false compiles the trigger after the wait.</param>
    public static CudaModule Load(CudaDevice device, CubinCache? cache = null, bool earlyDependentLaunch = true) =>
        Load(device, earlyDependentLaunch ? KernelSources.Source : "#define PDL_EARLY_TRIGGER 0\n" + KernelSources.Source,
            "dynamo_kernels.cu", cache ?? CubinCache.Default(), out _);

    public static CudaModule Load(CudaDevice device, string source, string name, CubinCache cache, out bool fromCache)
    {
        var options = NvrtcCompiler.Options(device.Architecture);
        var key = CubinCache.Key(KernelSources.Hash(source, options), device.Architecture, NvrtcCompiler.Version());
        var cubin = cache.TryRead(key);
        fromCache = cubin is not null;
        if (cubin is null)
        {
            cubin = NvrtcCompiler.Compile(source, name, options);
            cache.TryWrite(key, cubin);
        }
        return new CudaModule(device, cubin);
    }
}
