using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Models.Architectures;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>One decoder layer ready for the CPU kernels: matrices stay mapped, small vectors are widened to fp32 once.</summary>
internal sealed class CpuLayerWeights : IDisposable
{
    public CpuLayerWeights(LayerTensors t)
    {
        InputNorm = t.InputNorm.ToFloatArray();
        PostAttentionNorm = t.PostAttentionNorm.ToFloatArray();
        QProj = new CpuWeight(t.QProj);
        KProj = new CpuWeight(t.KProj);
        VProj = new CpuWeight(t.VProj);
        OProj = new CpuWeight(t.OProj);
        GateProj = new CpuWeight(t.GateProj);
        UpProj = new CpuWeight(t.UpProj);
        DownProj = new CpuWeight(t.DownProj);
        QBias = Widen(t.QBias);
        KBias = Widen(t.KBias);
        VBias = Widen(t.VBias);
        OBias = Widen(t.OBias);
        QNorm = Widen(t.QNorm);
        KNorm = Widen(t.KNorm);
    }

    public float[] InputNorm { get; }

    public float[] PostAttentionNorm { get; }

    public CpuWeight QProj { get; }

    public CpuWeight KProj { get; }

    public CpuWeight VProj { get; }

    public CpuWeight OProj { get; }

    public CpuWeight GateProj { get; }

    public CpuWeight UpProj { get; }

    public CpuWeight DownProj { get; }

    public float[]? QBias { get; }

    public float[]? KBias { get; }

    public float[]? VBias { get; }

    public float[]? OBias { get; }

    public float[]? QNorm { get; }

    public float[]? KNorm { get; }

    public void Dispose()
    {
        QProj.Dispose();
        KProj.Dispose();
        VProj.Dispose();
        OProj.Dispose();
        GateProj.Dispose();
        UpProj.Dispose();
        DownProj.Dispose();
    }

    private static float[]? Widen(TensorView? view) => view?.ToFloatArray();
}
