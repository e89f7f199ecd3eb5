namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>
/// What the decode attention kernel needs to do <see cref="CudaOps.QkNormRope"/>'s work in its prologue: the RoPE
/// frequencies, Qwen3's q and k norm weights (0 for models without), and the step's cache slots (int per token).
/// </summary>
public readonly record struct DecodeRope(ulong InvFreq, ulong QNorm, ulong KNorm, ulong Slots, float Eps);
