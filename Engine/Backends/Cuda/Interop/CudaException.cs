namespace DynamoOrleans.Engine.Backends.Cuda.Interop;

/// <summary>A CUDA, NVRTC or cuBLASLt call failed; the message names the call and the library's name for the status.</summary>
public sealed class CudaException : Exception
{
    public CudaException(string call, int status, string statusName, string? detail = null)
        : base($"{call} failed: {statusName} ({status}){(string.IsNullOrEmpty(detail) ? "" : ": " + detail)}")
    {
        Call = call;
        Status = status;
        StatusName = statusName;
    }

    public string Call { get; }

    public int Status { get; }

    public string StatusName { get; }
}

/// <summary>The machine has no usable CUDA installation (driver, NVRTC or cuBLASLt missing, or no device).</summary>
public sealed class CudaUnavailableException(string message) : Exception(message);
