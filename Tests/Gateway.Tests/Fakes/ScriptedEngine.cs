using System.Runtime.CompilerServices;
using System.Text;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Tests.Fakes;

/// <summary>
/// An engine that answers with scripted text as byte-level tokens (see <see cref="ByteLevelPreprocessor"/>),
/// then EOS; honours max_tokens, stop token ids, logprobs and cancellation like the real one.
/// </summary>
public sealed class ScriptedEngine : IEngineClient
{
    public const int Eos = 2;

    private readonly Func<GenerateRequest, string> _script;
    private readonly Func<string, int[]> _encode;
    private readonly int _eos;
    private int _cancelled;
    private int _running;

    public ScriptedEngine(Func<GenerateRequest, string>? script = null, int maxContext = 4096, Func<string, int[]>? encode = null, int eos = Eos, int vocabSize = 259)
    {
        _script = script ?? (_ => "Hello from the fake engine.");
        _encode = encode ?? ByteLevelPreprocessor.Encode;
        _eos = eos;
        Model = new ModelCard("fake-model", maxContext, 16, vocabSize, [eos]);
    }

    public ModelCard Model { get; }

    public TimeSpan TokenDelay { get; set; }

    public int CachedTokens { get; set; }

    public int Cancelled => Volatile.Read(ref _cancelled);

    public GenerateRequest? LastRequest { get; private set; }

    public static string PromptText(GenerateRequest request) =>
        new ByteLevelPreprocessor().Decode(request.PromptTokenIds.ToArray());

    public async IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        LastRequest = request;
        Interlocked.Increment(ref _running);
        var finished = false;
        try
        {
            var tokens = new List<int>(_encode(_script(request)));
            if (!request.Sampling.IgnoreEos) tokens.Add(_eos);
            var sampling = request.Sampling;
            for (var i = 0; ; i++)
            {
                if (TokenDelay > TimeSpan.Zero) await Task.Delay(TokenDelay, cancellationToken);
                else await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                var id = i < tokens.Count ? tokens[i] : tokens[0];
                var count = i + 1;
                FinishReason? finish = null;
                if (count >= sampling.MinTokens && (id == _eos || sampling.StopTokenIds.Contains(id))) finish = FinishReason.Stop;
                else if (count >= sampling.MaxTokens) finish = FinishReason.Length;
                var output = new TokenOutput(id, finish) { CachedPromptTokens = CachedTokens };
                if (sampling.Logprobs is { } k)
                {
                    output = output with
                    {
                        Logprob = -0.25f,
                        TopLogprobs = k == 0 ? null : Enumerable.Range(0, k).Select(j => new TokenLogprob(id + j, -0.25f - j)).ToArray(),
                    };
                }
                yield return output;
                if (finish is not null)
                {
                    finished = true;
                    yield break;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            if (!finished) Interlocked.Increment(ref _cancelled);
        }
    }

    public EngineLoad GetLoad() => new(Volatile.Read(ref _running), 0, 10, 100, 0.5, 0, 3);

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
