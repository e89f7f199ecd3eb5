namespace DynamoOrleans.Engine.Backends.Cuda.Interop;

/// <summary>
/// Every native entry point of the CUDA backend, one partial file per library. The static constructor
/// installs the soname resolver before the first import binds.
/// </summary>
internal static partial class NativeMethods
{
    static NativeMethods() => CudaLibraries.Register();
}
