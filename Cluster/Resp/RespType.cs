namespace DynamoOrleans.Cluster.Resp;

/// <summary>The RESP2 reply types (the first byte of a reply).</summary>
public enum RespType : byte
{
    SimpleString = (byte)'+',
    Error = (byte)'-',
    Integer = (byte)':',
    BulkString = (byte)'$',
    Array = (byte)'*',
}
