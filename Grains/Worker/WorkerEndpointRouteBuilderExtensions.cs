using DynamoOrleans.Grains.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Proto = DynamoOrleans.Grains.Interfaces.Protos;

namespace DynamoOrleans.Grains.Worker;

/// <summary>Maps the worker API's six methods onto a silo's Kestrel (which must listen with HTTP/2).</summary>
public static class WorkerEndpointRouteBuilderExtensions
{
    public static IEndpointRouteBuilder MapWorkerService(this IEndpointRouteBuilder endpoints, WorkerService service, GrpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        const string name = WorkerService.ServiceName;
        endpoints.MapGrpcServerStreaming<Proto.GenerateRequest, Proto.TokenOutput>(name, WorkerMethods.Generate, Proto.GenerateRequest.Parser, service.GenerateAsync, options);
        endpoints.MapGrpcUnary<Proto.CancelRequest, Proto.CancelResponse>(name, WorkerMethods.Cancel, Proto.CancelRequest.Parser, service.CancelAsync, options);
        endpoints.MapGrpcUnary<Proto.HealthRequest, Proto.HealthResponse>(name, WorkerMethods.Health, Proto.HealthRequest.Parser, service.HealthAsync, options);
        endpoints.MapGrpcUnary<Proto.DrainRequest, Proto.DrainResponse>(name, WorkerMethods.Drain, Proto.DrainRequest.Parser, service.DrainAsync, options);
        endpoints.MapGrpcUnary<Proto.LoadRequest, Proto.LoadResponse>(name, WorkerMethods.Load, Proto.LoadRequest.Parser, service.LoadAsync, options);
        endpoints.MapGrpcUnary<Proto.KvIndexRequest, Proto.KvIndexResponse>(name, WorkerMethods.KvIndex, Proto.KvIndexRequest.Parser, service.KvIndexAsync, options);
        return endpoints;
    }
}

/// <summary>The worker API's method names and their HTTP/2 paths.</summary>
public static class WorkerMethods
{
    public const string Generate = "Generate";
    public const string Cancel = "Cancel";
    public const string Health = "Health";
    public const string Drain = "Drain";
    public const string Load = "Load";
    public const string KvIndex = "KvIndex";

    public static string PathOf(string method) => GrpcMethodPath.Of(WorkerService.ServiceName, method);
}
