using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// A 64-byte-aligned block of native memory for <typeparamref name="T"/>s, outside the GC heap so that
/// large KV caches and scratch neither move nor count as GC pressure. Freed by <see cref="Dispose"/>;
/// the SafeHandle frees it on finalization only if a caller forgot.
/// </summary>
internal sealed unsafe class NativeBuffer<T> : IDisposable
    where T : unmanaged
{
    private readonly Handle _handle;

    public NativeBuffer(long length, bool zero = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        var bytes = (nuint)Math.Max(1, length * sizeof(T));
        var pointer = NativeMemory.AlignedAlloc(bytes, 64);
        if (zero)
            NativeMemory.Clear(pointer, bytes);
        _handle = new Handle((nint)pointer);
    }

    public long Length { get; }

    public T* Pointer => (T*)_handle.DangerousGetHandle();

    public Span<T> Span => new(Pointer, checked((int)Length));

    public void Dispose() => _handle.Dispose();

    private sealed class Handle : SafeHandle
    {
        public Handle(nint pointer)
            : base(0, ownsHandle: true) => SetHandle(pointer);

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            NativeMemory.AlignedFree((void*)handle);
            return true;
        }
    }
}
