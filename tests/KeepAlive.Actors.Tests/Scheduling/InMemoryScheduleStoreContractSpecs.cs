using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Actors.Tests.Scheduling;

public sealed class InMemoryScheduleStoreContractSpecs : ScheduleStoreContractSpecs
{
    protected override Task<IScheduleStore> CreateStoreAsync() => Task.FromResult<IScheduleStore>(new InMemoryScheduleStore());
}
