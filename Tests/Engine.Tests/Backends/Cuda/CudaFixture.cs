using DynamoOrleans.Engine.Backends.Cuda;
using DynamoOrleans.Engine.Backends.Cuda.Compilation;
using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>
/// One device, stream and compiled kernel module shared by the GPU tests of a class. Created lazily, so a
/// machine without a GPU (where every test is skipped) never touches the driver.
/// </summary>
public sealed class CudaFixture : IDisposable
{
    private readonly Lazy<State> _state = new(() => new State());

    public CudaDevice Device => _state.Value.Device;

    public CudaStream Stream => _state.Value.Stream;

    public CudaModule Module => _state.Value.Module;

    public CudaOps Ops => _state.Value.Ops;

    public DeviceBuffer Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        Device.MakeCurrent();
        return DeviceBuffer.Upload(Device, data, Stream);
    }

    public T[] Download<T>(DeviceBuffer buffer, long count = -1) where T : unmanaged
    {
        Device.MakeCurrent();
        return buffer.ToArray<T>(Stream, count);
    }

    public void Dispose()
    {
        if (_state.IsValueCreated)
            _state.Value.Dispose();
    }

    private sealed class State : IDisposable
    {
        public State()
        {
            Device = CudaDevice.Open();
            Stream = Device.CreateStream();
            Module = KernelModuleLoader.Load(Device);
            Ops = new CudaOps(Module);
        }

        public CudaDevice Device { get; }

        public CudaStream Stream { get; }

        public CudaModule Module { get; }

        public CudaOps Ops { get; }

        public void Dispose()
        {
            Module.Dispose();
            Stream.Dispose();
            Device.Dispose();
        }
    }
}
