using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Endpoints;
using DynamoOrleans.Gateway.Metrics;
using DynamoOrleans.Gateway.Preprocessing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Gateway.Hosting;

/// <summary>
/// The gateway as a library: <see cref="AddDynamoGateway"/> registers it, <see cref="MapDynamoGateway"/>
/// maps its routes, <see cref="CreateAsync"/> builds a ready <see cref="WebApplication"/> (what
/// <c>dynamo serve</c> and the tests start).
/// </summary>
public static class GatewayHost
{
    /// <summary>One fixed model: <paramref name="engine"/> with <paramref name="preprocessor"/>.</summary>
    public static IServiceCollection AddDynamoGateway(this IServiceCollection services, GatewayOptions options, IEngineClient engine, IPromptPreprocessor preprocessor) =>
        services.AddDynamoGateway(options, new SingleServedModel(options, engine, preprocessor));

    /// <summary>Whatever models <paramref name="models"/> serves; requests go to the one their <c>model</c> names.</summary>
    public static IServiceCollection AddDynamoGateway(this IServiceCollection services, GatewayOptions options, IServedModels models)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(models);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GatewayMetrics>();
        services.AddSingleton<GatewayContext>();
        services.AddRouting();
        return services;
    }

    /// <summary>Adds the middleware and maps every route. Call on the app before it starts.</summary>
    public static WebApplication MapDynamoGateway(this WebApplication app)
    {
        app.UseMiddleware<GatewayMiddleware>();
        app.UseRouting();
        var gateway = app.Services.GetRequiredService<GatewayContext>();
        MapRoutes(app, gateway);
        return app;
    }

    public static void MapRoutes(IEndpointRouteBuilder routes, GatewayContext gateway)
    {
        routes.MapPost("/v1/chat/completions", (HttpContext c) => ChatCompletionsEndpoint.HandleAsync(c, gateway));
        routes.MapPost("/v1/completions", (HttpContext c) => CompletionsEndpoint.HandleAsync(c, gateway));
        routes.MapGet("/v1/models", (HttpContext c) => InfoEndpoints.ModelsAsync(c, gateway));
        routes.MapGet("/health", (HttpContext c) => InfoEndpoints.HealthAsync(c, gateway));
        routes.MapGet("/live", (HttpContext c) => InfoEndpoints.LiveAsync(c, gateway));
        routes.MapGet("/metrics", (HttpContext c) => InfoEndpoints.MetricsAsync(c, gateway));
        routes.MapGet("/openapi.json", (HttpContext c) => InfoEndpoints.OpenApiAsync(c, gateway));
    }

    /// <summary>Builds and starts the gateway on <see cref="GatewayOptions.Host"/>:<see cref="GatewayOptions.Port"/> (0 picks a free port).</summary>
    public static Task<WebApplication> CreateAsync(GatewayOptions options, IEngineClient engine, IPromptPreprocessor preprocessor, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default) =>
        CreateAsync(options, new SingleServedModel(options, engine, preprocessor), logging, cancellationToken);

    /// <summary>Builds and starts the gateway over <paramref name="models"/>.</summary>
    public static async Task<WebApplication> CreateAsync(GatewayOptions options, IServedModels models, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logging is not null) logging(builder.Logging);
        else builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
        });
        builder.WebHost.UseUrls($"http://{FormatHost(options.Host)}:{options.Port}");
        builder.Services.AddDynamoGateway(options, models);
        var app = builder.Build();
        app.MapDynamoGateway();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        GatewayLog.Listening(app.Services.GetRequiredService<ILogger<GatewayContext>>(), models.DisplayName, BaseAddress(app).ToString());
        return app;
    }

    /// <summary>The address the started app listens on (the real port when 0 was asked).</summary>
    public static Uri BaseAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The gateway is not listening yet.");
        return new Uri(first.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}
