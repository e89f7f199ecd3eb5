using DynamoOrleans.Engine.Backends.Cuda;
using DynamoOrleans.Engine.Backends.Cuda.Compilation;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

public sealed class CompilationTests
{
    [Theory]
    [InlineData("embedding_gather")]
    [InlineData("add_rmsnorm")]
    [InlineData("qk_norm_rope")]
    [InlineData("kv_write")]
    [InlineData("paged_attention_d##D")]
    [InlineData("attention_combine")]
    [InlineData("argmax_rows")]
    [InlineData("typedef unsigned short bf16")]
    public void Source_EmbeddedResources_ContainEveryKernel(string fragment) =>
        Assert.Contains(fragment, KernelSources.Source);

    [Fact]
    public void TensorCoreSource_IsItsOwnModuleWithTheSharedHeader()
    {
        var source = KernelSources.TensorCoreSource;
        Assert.StartsWith("// Shared by every kernel file", source, StringComparison.Ordinal);
        Assert.Contains("DEFINE_FLASH_PREFILL(64)", source, StringComparison.Ordinal);
        Assert.Contains("DEFINE_FLASH_PREFILL(128)", source, StringComparison.Ordinal);
        Assert.DoesNotContain("DEFINE_PAGED_ATTENTION", source, StringComparison.Ordinal);
        Assert.DoesNotContain("DEFINE_FLASH_PREFILL", KernelSources.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_DependsOnSourceAndOptions()
    {
        var a = KernelSources.Hash("x", ["--gpu-architecture=sm_90"]);
        Assert.Equal(a, KernelSources.Hash("x", ["--gpu-architecture=sm_90"]));
        Assert.NotEqual(a, KernelSources.Hash("x", ["--gpu-architecture=sm_80"]));
        Assert.NotEqual(a, KernelSources.Hash("y", ["--gpu-architecture=sm_90"]));
    }

    [Fact]
    public void CubinCache_WriteThenRead_RoundTrips()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cubin-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cache = new CubinCache(dir);
            var key = CubinCache.Key("abc", "sm_90", "13.0");
            Assert.Null(cache.TryRead(key));
            cache.TryWrite(key, [1, 2, 3]);
            Assert.Equal([1, 2, 3], cache.TryRead(key));
            Assert.Equal("abc-sm_90-nvrtc13.0.cubin", key);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [GpuFact]
    public void Load_SecondTime_ComesFromCacheAndFindsKernels()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cubin-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var device = CudaDevice.Open();
            var cache = new CubinCache(dir);
            using (var first = KernelModuleLoader.Load(device, KernelSources.Source, "k.cu", cache, out var fromCache))
                Assert.False(fromCache);
            using var second = KernelModuleLoader.Load(device, KernelSources.Source, "k.cu", cache, out var cached);
            Assert.True(cached);
            Assert.Equal("paged_attention_d128_g2", second.GetKernel("paged_attention_d128_g2").Name);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [GpuFact]
    public void Compile_SyntaxError_ThrowsWithNvrtcLog()
    {
        using var device = CudaDevice.Open();
        var error = Assert.Throws<DynamoOrleans.Engine.Backends.Cuda.Interop.CudaException>(() =>
            NvrtcCompiler.Compile("extern \"C\" __global__ void k() { int x = ; }", "bad.cu", NvrtcCompiler.Options(device.Architecture)));
        Assert.Equal("nvrtcCompileProgram", error.Call);
        Assert.Contains("bad.cu", error.Message);
    }
}
