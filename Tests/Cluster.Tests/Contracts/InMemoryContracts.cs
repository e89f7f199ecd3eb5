using DynamoOrleans.Cluster.InMemory;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Contracts;

public sealed class InMemoryClusterDirectoryTests : ClusterDirectoryContract
{
    private readonly ManualTimeProvider _time = new();

    protected override ContractClock Clock => new ManualContractClock(_time);

    protected override TimeProvider Time => _time;

    protected override IClusterDirectory CreateDirectory() => new InMemoryClusterDirectory(Options, _time);
}

public sealed class InMemoryKvEventBusTests : KvEventBusContract
{
    protected override IKvEventBus CreateBus(int maxLength = 100_000) => new InMemoryKvEventBus(new ClusterOptions { KvStreamMaxLength = maxLength });
}

public sealed class InMemoryLoadBoardTests : LoadBoardContract
{
    private readonly ManualTimeProvider _time = new();

    protected override ContractClock Clock => new ManualContractClock(_time);

    protected override ILoadBoard CreateBoard() => new InMemoryLoadBoard(Options, _time);
}

public sealed class InMemoryModelFileStoreTests : ModelFileStoreContract
{
    protected override IModelFileStore CreateStore() => new InMemoryModelFileStore();
}
