using System.Net;
using DynamoOrleans.Grains.Tests.Fixtures;
using DynamoOrleans.Grains.Transport;
using Microsoft.AspNetCore.Builder;
using Proto = DynamoOrleans.Grains.Interfaces.Protos;

namespace DynamoOrleans.Grains.Tests.Transport;

/// <summary>The hand-written gRPC client against the hand-written server, over a real Kestrel speaking HTTP/2.</summary>
public sealed class GrpcCallTests : IAsyncLifetime
{
    private const string Service = "test.v1.Echo";
    private readonly TaskCompletionSource _serverSawCancel = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _serverEnteredHang = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackServer _server = null!;
    private GrpcClient _client = null!;

    public async Task InitializeAsync()
    {
        var limits = new GrpcServerOptions { MaxReceiveMessageSize = 8 * 1024 * 1024, MaxSendMessageSize = 8 * 1024 * 1024 };
        _server = await LoopbackServer.StartAsync(app =>
        {
            // Echo: a CancelRequest's id comes back as the name of a ModelCard.
            app.MapGrpcUnary<Proto.CancelRequest, Proto.ModelCard>(Service, "Echo", Proto.CancelRequest.Parser,
                (request, _) => Task.FromResult(new Proto.ModelCard { Name = request.RequestId }), limits);
            app.MapGrpcUnary<Proto.CancelRequest, Proto.ModelCard>(Service, "Fail", Proto.CancelRequest.Parser,
                (request, _) => throw new GrpcException(GrpcStatusCode.InvalidArgument, "bad id: " + request.RequestId));
            app.MapGrpcUnary<Proto.CancelRequest, Proto.ModelCard>(Service, "Crash", Proto.CancelRequest.Parser,
                (_, _) => throw new InvalidOperationException("boom"));
            app.MapGrpcUnary<Proto.CancelRequest, Proto.ModelCard>(Service, "Hang", Proto.CancelRequest.Parser, async (_, context) =>
            {
                _serverEnteredHang.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                finally
                {
                    _serverSawCancel.TrySetResult();
                }
                return new Proto.ModelCard();
            });
            // Count: streams N TokenOutputs, then fails with DATA_LOSS when the id says so.
            app.MapGrpcServerStreaming<Proto.CancelRequest, Proto.TokenOutput>(Service, "Count", Proto.CancelRequest.Parser, async (request, writer, _) =>
            {
                var parts = request.RequestId.Split(':');
                var message = new Proto.TokenOutput();
                for (var i = 0; i < int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture); i++)
                {
                    message.TokenId = i;
                    await writer.WriteAsync(message);
                }
                if (parts.Length > 1)
                    throw new GrpcException(GrpcStatusCode.DataLoss, parts[1]);
            });
        });
        _client = new GrpcClient(_server.Address, new GrpcClientOptions { MaxReceiveMessageSize = 8 * 1024 * 1024, MaxSendMessageSize = 8 * 1024 * 1024 });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Unary_Echo_ReturnsTheResponse()
    {
        var reply = await _client.UnaryAsync("/" + Service + "/Echo", new Proto.CancelRequest { RequestId = "hello" }, Proto.ModelCard.Parser);

        Assert.Equal("hello", reply.Name);
    }

    [Fact]
    public async Task Unary_LargeMessages_RoundTripBothWays()
    {
        var big = new string('y', 6 * 1024 * 1024);

        var reply = await _client.UnaryAsync("/" + Service + "/Echo", new Proto.CancelRequest { RequestId = big }, Proto.ModelCard.Parser);

        Assert.Equal(big, reply.Name);
    }

    [Fact]
    public async Task Unary_OverTheClientsReceiveLimit_ResourceExhausted()
    {
        using var small = new GrpcClient(_server.Address, new GrpcClientOptions { MaxReceiveMessageSize = 1024 });

        var ex = await Assert.ThrowsAsync<GrpcException>(() => small.UnaryAsync("/" + Service + "/Echo", new Proto.CancelRequest { RequestId = new string('z', 2000) }, Proto.ModelCard.Parser));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_OverTheServersReceiveLimit_ResourceExhaustedFromTheServer()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() => _client.UnaryAsync("/" + Service + "/Fail", new Proto.CancelRequest { RequestId = new string('z', 5 * 1024 * 1024) }, Proto.ModelCard.Parser));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("over the limit", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_HandlerThrowsBeforeAnyMessage_TrailersOnlyStatusWithDecodedDetail()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() => _client.UnaryAsync("/" + Service + "/Fail", new Proto.CancelRequest { RequestId = "100% wrong\n" }, Proto.ModelCard.Parser));

        Assert.Equal(GrpcStatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("bad id: 100% wrong\n", ex.Detail);
    }

    [Fact]
    public async Task Unary_HandlerCrashes_Internal()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() => _client.UnaryAsync("/" + Service + "/Crash", new Proto.CancelRequest(), Proto.ModelCard.Parser));

        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
        Assert.Contains("boom", ex.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_UnknownMethod_Unimplemented()
    {
        var ex = await Assert.ThrowsAsync<GrpcException>(() => _client.UnaryAsync("/" + Service + "/Nope", new Proto.CancelRequest(), Proto.ModelCard.Parser));

        Assert.Equal(GrpcStatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_DeadlinePasses_DeadlineExceededAndTheServerIsCancelled()
    {
        await WarmUpConnectionAsync();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => _client.UnaryAsync("/" + Service + "/Hang", new Proto.CancelRequest(), Proto.ModelCard.Parser, TimeSpan.FromMilliseconds(500)));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, ex.StatusCode);
        await AssertServerSawCancelIfItStartedAsync();
    }

    [Fact]
    public async Task Unary_CallerCancels_OperationCanceledAndTheServerSeesTheReset()
    {
        await WarmUpConnectionAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.UnaryAsync("/" + Service + "/Hang", new Proto.CancelRequest(), Proto.ModelCard.Parser, cancellationToken: cts.Token));

        await AssertServerSawCancelIfItStartedAsync();
    }

    // The connection is set up first, so the short deadline is spent on the call itself and the request
    // reaches the server; on a badly overloaded machine it may still expire before the server runs the
    // handler, and then there is nothing for the server to cancel.
    private Task WarmUpConnectionAsync() =>
        _client.UnaryAsync("/" + Service + "/Echo", new Proto.CancelRequest { RequestId = "warm" }, Proto.ModelCard.Parser);

    private async Task AssertServerSawCancelIfItStartedAsync()
    {
        await Task.WhenAny(_serverEnteredHang.Task, Task.Delay(TimeSpan.FromSeconds(2)));
        if (_serverEnteredHang.Task.IsCompleted)
            await _serverSawCancel.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ServerStreaming_ManyMessages_AllInOrderThenOk()
    {
        await using var call = _client.ServerStreaming("/" + Service + "/Count", new Proto.CancelRequest { RequestId = "1000" }, Proto.TokenOutput.Parser);
        var ids = new List<int>();
        await foreach (var message in call.ReadAllAsync())
            ids.Add(message.TokenId);

        Assert.Equal(Enumerable.Range(0, 1000), ids);
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_StatusFromTrailers()
    {
        await using var call = _client.ServerStreaming("/" + Service + "/Count", new Proto.CancelRequest { RequestId = "3:lost it" }, Proto.TokenOutput.Parser);
        var numRead = 0;

        var ex = await Assert.ThrowsAsync<GrpcException>(async () =>
        {
            while (await call.MoveNextAsync())
                numRead++;
        });

        Assert.Equal(3, numRead);
        Assert.Equal(GrpcStatusCode.DataLoss, ex.StatusCode);
        Assert.Equal("lost it", ex.Detail);
    }

    [Fact]
    public async Task ServerStreaming_NoMessages_EndsCleanly()
    {
        await using var call = _client.ServerStreaming("/" + Service + "/Count", new Proto.CancelRequest { RequestId = "0" }, Proto.TokenOutput.Parser);

        Assert.False(await call.MoveNextAsync());
    }

    [Fact]
    public async Task Server_NotGrpcContentType_Http415()
    {
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(new Uri(_server.Address, "/" + Service + "/Echo"), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
