using System.Diagnostics;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Cluster.Tests.Fixtures;
using Xunit.Abstractions;

namespace DynamoOrleans.Cluster.Tests.Resp;

public sealed class RedisConnectionTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..8] + ":";

    private RedisConnection Redis => redis.Connection;

    [RedisFact]
    public async Task Get_BulkStringWithCrlfAndEveryByte_RoundTrips()
    {
        var value = new byte[512];
        for (var i = 0; i < value.Length; i++)
            value[i] = (byte)i;
        "\r\n*1\r\n$-1\r\n"u8.CopyTo(value);

        await Redis.ExecuteAsync(["SET", _prefix + "bin", value]);
        var read = await Redis.ExecuteAsync(["GET", _prefix + "bin"]);

        Assert.Equal(value, read.AsBytes().ToArray());
    }

    [RedisFact]
    public async Task Get_MissingKey_IsNil()
    {
        var read = await Redis.ExecuteAsync(["GET", _prefix + "missing"]);

        Assert.True(read.IsNull);
        Assert.Null(read.AsString());
    }

    [RedisFact]
    public async Task Arrays_EmptyNilAndNested_Parse()
    {
        await Redis.ExecuteAsync(["RPUSH", _prefix + "list", "a", "", "c\r\n"]);
        await Redis.ExecuteAsync(["XADD", _prefix + "s", "1-1", "f", "v"]);

        var list = await Redis.ExecuteAsync(["LRANGE", _prefix + "list", 0, -1]);
        var empty = await Redis.ExecuteAsync(["LRANGE", _prefix + "none", 0, -1]);
        var nil = await Redis.ExecuteAsync(["BLPOP", _prefix + "none", "0.01"]);
        var nested = await Redis.ExecuteAsync(["XRANGE", _prefix + "s", "-", "+"]);

        Assert.Equal(["a", "", "c\r\n"], list.AsArray().Select(v => v.AsString()));
        Assert.Empty(empty.AsArray());
        Assert.True(nil.IsNull);
        Assert.Equal("1-1", nested.AsArray()[0].AsArray()[0].AsString());
        Assert.Equal("v", nested.AsArray()[0].AsArray()[1].AsArray()[1].AsString());
    }

    [RedisFact]
    public async Task ErrorReply_ThrowsServerException_AndConnectionStaysUsable()
    {
        await Redis.ExecuteAsync(["SET", _prefix + "text", "abc"]);

        var error = await Assert.ThrowsAsync<RedisServerException>(async () => await Redis.ExecuteAsync(["INCR", _prefix + "text"]));
        var wrongType = await Assert.ThrowsAsync<RedisServerException>(async () => await Redis.ExecuteAsync(["LPUSH", _prefix + "text", "x"]));

        Assert.Contains("not an integer", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("WRONGTYPE", wrongType.Message, StringComparison.Ordinal);
        Assert.Equal("PONG", (await Redis.ExecuteAsync(["PING"])).AsString());
    }

    [RedisFact]
    public async Task Set_EightMegabyteValue_RoundTrips()
    {
        var value = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(value);

        await Redis.ExecuteAsync(["SET", _prefix + "big", value]);
        var read = await Redis.ExecuteAsync(["GET", _prefix + "big"]);

        Assert.True(value.AsSpan().SequenceEqual(read.AsBytes().Span));
    }

    [RedisFact]
    public async Task Pipelining_TenThousandIncrs_RepliesInOrder()
    {
        const int count = 10_000;
        var replies = new ValueTask<RespValue>[count];
        var key = _prefix + "counter";
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < count; i++)
            replies[i] = Redis.ExecuteAsync(["INCR", key]);
        for (var i = 0; i < count; i++)
            Assert.Equal(i + 1, (await replies[i]).AsInt64());

        output.WriteLine($"{count} pipelined INCR in {clock.Elapsed.TotalMilliseconds:0} ms ({count / clock.Elapsed.TotalSeconds:0} ops/s)");
    }

    [RedisFact]
    public async Task LongLivedToken_ManyCompletedCommands_LaterCancelTouchesNone()
    {
        using var session = new CancellationTokenSource();
        for (var i = 0; i < 2000; i++)
            await Redis.ExecuteAsync(["SET", _prefix + "tok", i], session.Token);

        session.Cancel();

        // Completed commands left no registration behind on the token, so cancelling it completes nothing twice.
        Assert.Equal("1999", (await Redis.ExecuteAsync(["GET", _prefix + "tok"])).AsString());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Redis.ExecuteAsync(["PING"], session.Token));
    }

    [RedisFact]
    public async Task ConcurrentCallers_ShareOneConnection_EachGetsItsOwnReply()
    {
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                var key = $"{_prefix}c{w}:{i}";
                await Redis.ExecuteAsync(["SET", key, $"{w}/{i}"]);
                Assert.Equal($"{w}/{i}", (await Redis.ExecuteAsync(["GET", key])).AsString());
            }
        }));

        await Task.WhenAll(workers);
    }

    [RedisFact]
    public async Task Cancel_BlockedCommand_ThrowsAndLaterRepliesStayMatched()
    {
        await using var connection = await RedisConnection.ConnectAsync(redis.Options());
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var blocked = connection.ExecuteAsync(["BLPOP", _prefix + "never", "0.3"], cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked);
        // The BLPOP's nil reply still arrives first and is discarded; PING gets PONG, not the nil.
        Assert.Equal("PONG", (await connection.ExecuteAsync(["PING"])).AsString());
    }

    [RedisFact]
    public async Task Timeout_SlowReply_ThrowsTimeoutAndConnectionRecovers()
    {
        await using var connection = await RedisConnection.ConnectAsync(redis.Options(TimeSpan.FromMilliseconds(200)));

        // The BLPOP blocks far longer than the timeout, so even a starved timeout sweep fires first.
        await Assert.ThrowsAsync<TimeoutException>(async () => await connection.ExecuteAsync(["BLPOP", _prefix + "never", "3"]));

        var ping = await RetryAsync(() => connection.ExecuteAsync(["PING"]));
        Assert.Equal("PONG", ping.AsString());
    }

    [RedisFact]
    public async Task Restart_InFlightFails_ThenReconnectsOnSamePort()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await RedisConnection.ConnectAsync(new RedisConnectionOptions { Port = server.Port, CommandTimeout = TimeSpan.FromSeconds(5) });
        await connection.ExecuteAsync(["SET", "before", "1"]);
        var inFlight = connection.ExecuteAsync(["BLPOP", "never", "30"]);

        await server.KillAsync();
        var lost = await Assert.ThrowsAsync<RedisConnectionException>(async () => await inFlight);
        await server.RestartAsync();
        var ping = await RetryAsync(() => connection.ExecuteAsync(["PING"]));

        Assert.Contains("lost", lost.Message, StringComparison.Ordinal);
        Assert.Equal("PONG", ping.AsString());
        Assert.True((await connection.ExecuteAsync(["GET", "before"])).IsNull, "the restarted server kept no data (--save \"\")");
        Assert.True(connection.ReconnectCount >= 1);
    }

    [RedisFact]
    public async Task Auth_WrongPassword_FailsToConnect()
    {
        var options = redis.Options();
        options.Password = "wrong";

        var error = await Assert.ThrowsAsync<RedisServerException>(() => RedisConnection.ConnectAsync(options));

        Assert.Contains("AUTH", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Retries a command through the window where the connection is still re-opening.</summary>
    internal static async Task<RespValue> RetryAsync(Func<ValueTask<RespValue>> command)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await command();
            }
            catch (Exception ex) when (ex is RedisConnectionException or TimeoutException && clock.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(20);
            }
        }
    }
}
