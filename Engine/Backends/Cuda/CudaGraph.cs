using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>
/// A captured and instantiated stream of work, replayed with one launch. Decode steps replay a graph per
/// batch-size bucket, which removes the per-kernel launch cost (3.4 µs each on an H200).
/// </summary>
public sealed class CudaGraph : IDisposable
{
    private readonly CudaGraphHandle _graph;
    private readonly CudaGraphExecHandle _exec;

    internal CudaGraph(CudaDevice device, nint graph)
    {
        _graph = new CudaGraphHandle(device.Context, graph);
        CheckCuda(cuGraphInstantiateWithFlags(out var exec, graph, 0), nameof(cuGraphInstantiateWithFlags));
        _exec = new CudaGraphExecHandle(device.Context, exec);
    }

    public void Launch(CudaStream stream) =>
        CheckCuda(cuGraphLaunch(_exec.DangerousGetHandle(), stream.Handle), nameof(cuGraphLaunch));

    public void Dispose()
    {
        _exec.Dispose();
        _graph.Dispose();
    }
}
