using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Preprocessing;
using Microsoft.AspNetCore.Builder;

namespace DynamoOrleans.Gateway.Tests.Fakes;

/// <summary>A gateway on 127.0.0.1 with a free port, over a scripted engine, and an HttpClient for it.</summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private GatewayServer(WebApplication app, IEngineClient engine)
    {
        App = app;
        Engine = engine;
        BaseAddress = GatewayHost.BaseAddress(app);
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public IEngineClient Engine { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public static async Task<GatewayServer> StartAsync(IEngineClient? engine = null, GatewayOptions? options = null, IPromptPreprocessor? preprocessor = null)
    {
        engine ??= new ScriptedEngine();
        options ??= new GatewayOptions();
        options.Port = 0;
        var app = await GatewayHost.CreateAsync(options, engine, preprocessor ?? new ByteLevelPreprocessor());
        return new GatewayServer(app, engine);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
