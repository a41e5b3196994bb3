using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace KeepAlive.Actors.Pairs;

/// <summary>
/// The mailbox of a pair's actor (<c>keepalive.pair-mailbox</c> in the embedded HOCON). Akka's default mailbox
/// allocates a queue segment of 32 slots (about 1 KB) for every actor up front; an idle pair holds no message at all,
/// and a busy one rarely more than a few, so this one keeps the first message in a field and allocates a queue only
/// when more wait. At 100,000 idle pairs that is about 100 MB less heap.
/// </summary>
public sealed class PairMailboxType(Settings settings, Akka.Configuration.Config config) : MailboxType(settings, config), IProducesMessageQueue<PairMessageQueue>
{
    /// <summary>The mailbox's configuration path, for <c>Props.WithMailbox</c>.</summary>
    public const string ConfigPath = "keepalive.pair-mailbox";

    public override IMessageQueue Create(IActorRef? owner, ActorSystem? system) => new PairMessageQueue();
}

/// <summary>An unbounded FIFO queue, many writers and one reader, that allocates nothing while it holds at most one message.</summary>
public sealed class PairMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private Envelope _head;
    private bool _hasHead;

    // Only while more than one message waits: dropped when the head is the last, so an idle pair holds none.
    private Queue<Envelope>? _behindHead;

    // Locks on itself: it is its only user (the mailbox), and a separate lock object would cost every pair 24 bytes.
    public bool HasMessages
    {
        get
        {
            lock (this) return _hasHead;
        }
    }

    public int Count
    {
        get
        {
            lock (this) return _hasHead ? 1 + (_behindHead?.Count ?? 0) : 0;
        }
    }

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (this)
        {
            if (!_hasHead)
            {
                _head = envelope;
                _hasHead = true;
                return;
            }

            (_behindHead ??= new Queue<Envelope>(4)).Enqueue(envelope);
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (this)
        {
            envelope = _head;
            if (!_hasHead) return false;
            if (_behindHead is { } behind)
            {
                _head = behind.Dequeue();
                if (behind.Count == 0) _behindHead = null;
            }
            else
            {
                _head = default;
                _hasHead = false;
            }

            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}
