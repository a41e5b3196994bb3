using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using KeepAlive.Actors.Pairs;
using Xunit;

namespace KeepAlive.Actors.Tests.Pairs;

/// <summary>The pairs' message queue: first in, first out, whatever the number of writers, and nothing lost.</summary>
public sealed class PairMailboxSpecs
{
    [Fact]
    public void Messages_come_out_in_the_order_they_went_in_and_then_it_is_empty()
    {
        var queue = new PairMessageQueue();
        Assert.False(queue.HasMessages);

        for (var i = 0; i < 10; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));

        Assert.Equal(10, queue.Count);
        Assert.Equal(Enumerable.Range(0, 10), Drain(queue));
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void One_message_in_one_out_again_and_again_keeps_the_order()
    {
        var queue = new PairMessageQueue();
        var seen = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));
            if (i % 2 == 1) seen.AddRange(Drain(queue));
        }

        seen.AddRange(Drain(queue));
        Assert.Equal(Enumerable.Range(0, 5), seen);
    }

    [Fact]
    public async Task Many_writers_and_one_reader_lose_nothing_and_keep_each_writers_order()
    {
        var queue = new PairMessageQueue();
        const int writers = 4, perWriter = 50_000;
        var write = Enumerable.Range(0, writers).Select(writer => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++) queue.Enqueue(ActorRefs.Nobody, new Envelope((writer, i), ActorRefs.NoSender));
        })).ToArray();

        var last = Enumerable.Repeat(-1, writers).ToArray();
        var read = 0;
        while (read < writers * perWriter)
        {
            if (!queue.TryDequeue(out var envelope))
            {
                Assert.False(write.All(t => t.IsCompleted) && !queue.HasMessages, $"only {read} of {writers * perWriter} came out");
                continue;
            }

            var (writer, i) = ((int, int))envelope.Message;
            Assert.Equal(last[writer] + 1, i);
            last[writer] = i;
            read++;
        }

        await Task.WhenAll(write);
        Assert.False(queue.HasMessages);
    }

    [Fact]
    public void Clean_up_hands_what_is_left_to_dead_letters_in_order()
    {
        var queue = new PairMessageQueue();
        var deadLetters = new UnboundedMessageQueue();
        foreach (var i in new[] { 1, 2, 3 }) queue.Enqueue(ActorRefs.Nobody, new Envelope(i, ActorRefs.NoSender));

        queue.CleanUp(ActorRefs.Nobody, deadLetters);

        Assert.False(queue.HasMessages);
        Assert.Equal(new object[] { 1, 2, 3 }, Drain(deadLetters).Cast<object>());
    }

    private static List<int> Drain(IMessageQueue queue)
    {
        var messages = new List<int>();
        while (queue.TryDequeue(out var envelope)) messages.Add((int)envelope.Message);
        return messages;
    }
}
