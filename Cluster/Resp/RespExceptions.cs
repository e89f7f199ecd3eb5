namespace DynamoOrleans.Cluster.Resp;

/// <summary>The server answered a command with an error reply (<c>-ERR ...</c>, <c>-WRONGTYPE ...</c>).</summary>
public sealed class RedisServerException(string message) : Exception(message);

/// <summary>
/// The connection is down: the command was not sent, or was sent and its reply is lost, so whether it took
/// effect is unknown. Later commands work again once the connection has reconnected.
/// </summary>
public sealed class RedisConnectionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server sent bytes that are not RESP2; the connection is dropped and re-opened.</summary>
public sealed class RespProtocolException(string message) : Exception(message);
