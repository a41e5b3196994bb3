using Akka.Actor;
using Akka.Event;
using KeepAlive.Actors.Config;
using KeepAlive.Actors.Scheduling;

namespace KeepAlive.Actors.Pairs;

/// <summary>What a <see cref="PairActor"/> talks to; the same for every pair of a node.</summary>
/// <param name="HostGates">The host gate shard region (or anything that routes <see cref="Hosts.IWithHost"/>).</param>
/// <param name="PingSenders">The node's ping sender pool.</param>
/// <param name="Scheduler">The node's <see cref="SchedulerActor"/>.</param>
/// <param name="Successors">Where a pair that moves hands its schedule over.</param>
/// <param name="Log">The pairs' one logger: a logger per actor would cost every idle pair its own copy of its path.</param>
/// <param name="StoreSharedWithOtherWriters">The store may hold wake-ups other programs wrote: read it before each ping.</param>
public sealed record PairDependencies(
    KeepAliveSettings Settings,
    ProviderCatalogHolder Catalog,
    IActorRef HostGates,
    IActorRef PingSenders,
    IActorRef Scheduler,
    ISuccessorRegions Successors,
    ILoggingAdapter Log,
    bool StoreSharedWithOtherWriters = false);
