package io.eggcluster.jetty.internal.messenger;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link Inbox}'s contract, with no messenger: each frame dispatched once, in order per origin, and acknowledged
 * only after dispatch. Frames are fed by hand (as the direct socket or the taker would) and through the slot's
 * queue; what the inbox dispatches is counted. A direct copy waits for the queue copies of the messages before it
 * for as long as they take, and goes on without a message only on proof that it never reached the queue (a later
 * queue copy, or its sender gone with everything it handed over taken). The inbox here reports waiting copies every
 * 300 ms, where the release was once timed.
 */
class InboxTest
{
    private static final long ORIGIN = 42;
    private static final String SLOT = "agent";
    private final EggProcess agent = new EggProcess(Role.AGENT, 0, 7000);
    private final EggProcess worker = new EggProcess(Role.WORKER, 1, 7001);
    private final LocalTransport transport = new LocalTransport(100);
    /** The seqs dispatched, in order. */
    private final BlockingQueue<Long> dispatched = new LinkedBlockingQueue<>();
    /** Runs before each dispatch is recorded: a test may make a dispatch wait here. */
    private volatile java.util.function.LongConsumer duringDispatch = seq -> { };
    private final Inbox inbox = new Inbox(agent, SLOT, transport, new Inbox.Dispatch()
    {
        @Override
        public void opening()
        {
        }

        @Override
        public void dispatch(byte[] frame)
        {
            long seq = Frames.seq(frame);
            duringDispatch.accept(seq);
            dispatched.add(seq);
        }
    }, Frames.HEADER + 4096, TimeUnit.MILLISECONDS.toNanos(300));

    @AfterEach
    void stop()
    {
        LifeCycle.stop(inbox);
    }

    private byte[] frame(long seq)
    {
        return frame(worker, seq);
    }

    private static byte[] frame(EggProcess sender, long seq)
    {
        return Frames.frame(ORIGIN, seq, new Envelope(Envelope.Kind.MESSAGE, "m", sender, 0, 0, (int)seq).encode(4096));
    }

    /** A worker whose process is this JVM: alive for as long as the test runs. */
    private static EggProcess aliveSender()
    {
        return new EggProcess(Role.WORKER, 1, ProcessHandle.current().pid());
    }

    /** A worker whose process has exited (and was reaped). */
    private static EggProcess goneSender() throws Exception
    {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return new EggProcess(Role.WORKER, 1, process.pid());
    }

    private long next() throws InterruptedException
    {
        Long seq = dispatched.poll(10, TimeUnit.SECONDS);
        if (seq == null)
            throw new AssertionError("nothing dispatched within 10 s");
        return seq;
    }

    private void assertDispatched(long... seqs) throws InterruptedException
    {
        for (long seq : seqs)
            assertEquals(seq, next());
        Long extra = dispatched.poll(300, TimeUnit.MILLISECONDS);
        assertNull(extra, () -> "dispatched " + extra + " more");
    }

    @Test
    void eachMessageOnceAndInOrderWhicheverCopyComesFirst() throws Exception
    {
        inbox.receive(frame(1), true);
        inbox.receive(frame(3), true);   // waits for 2
        inbox.receive(frame(1), false);  // already had it
        inbox.receive(frame(2), false);  // fills the gap: 2, then 3
        inbox.receive(frame(3), false);
        inbox.receive(frame(4), false);
        inbox.receive(frame(4), true);
        assertDispatched(1, 2, 3, 4);
        assertEquals(2, inbox.getDirectDispatched(), "1 and 3 came directly");
        assertEquals(2, inbox.getQueueDispatched(), "2 and 4 from the queue");
        assertEquals(1, inbox.getEarlyCopies(), "3 came early");
        assertEquals(0, inbox.getHoldsWaiting());
    }

    @Test
    void aQueueCopyWhoseDirectCopyIsStillBeingDispatchedWaitsForTheDispatch() throws Exception
    {
        CountDownLatch dispatching = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        duringDispatch = seq ->
        {
            dispatching.countDown();
            awaitQuietly(release);
        };
        Thread direct = new Thread(() -> inbox.receive(frame(1), true));
        direct.start();
        dispatching.await();
        // the taker goes through its batch: the batch is acknowledged when this returns, so it must not return
        // while the message is in the middle of its dispatch (a crash now must leave it to the replacement)
        Thread taker = new Thread(() -> inbox.receive(frame(1), false));
        taker.start();
        taker.join(300);
        assertTrue(taker.isAlive(), "the queue copy waited for the direct copy's dispatch");
        release.countDown();
        taker.join(10_000);
        direct.join(10_000);
        assertDispatched(1);
    }

    @Test
    void aBatchIsAcknowledgedOnlyAfterEachOfItsFramesIsDispatched() throws Exception
    {
        CountDownLatch dispatchingTwo = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        duringDispatch = seq ->
        {
            if (seq == 2)
            {
                dispatchingTwo.countDown();
                awaitQuietly(release);
            }
        };
        assertEquals(3, transport.offerAll(SLOT, List.of(frame(1), frame(2), frame(3))).accepted());
        inbox.start();
        assertTrue(dispatchingTwo.await(10, TimeUnit.SECONDS));
        // 2 is in the middle of its dispatch: a successor's take now gets the whole batch again
        Taken again = transport.take(SLOT, 99, 0, 10, 0);
        assertEquals(3, again.frames().size(), "the batch is not acknowledged while one of its frames is dispatched");
        long takes = inbox.getTakes();
        release.countDown();
        assertEquals(1, next());
        assertEquals(2, next());
        assertEquals(3, next());
        // the inbox takes the batch back (the successor never acknowledged it), dispatches nothing of it twice,
        // and acknowledges it with the take after
        awaitTakes(takes + 2);
        inbox.stop();
        assertDispatched();
        assertEquals(3, inbox.getQueueDispatched());
        // once dispatched, the batch was acknowledged: a successor gets nothing of it
        assertTrue(transport.take(SLOT, 77, 0, 10, 0).frames().isEmpty(), "acknowledged after dispatch");
    }

    @Test
    void aStoppedInboxDispatchesNothingAndMarksNothingDispatched() throws Exception
    {
        inbox.start();
        inbox.stop();
        assertFalse(inbox.receive(frame(1), true), "a direct copy is refused");
        assertFalse(inbox.receive(frame(1), false), "and so is a queue copy");
        assertDispatched();
        assertFalse(inbox.isDirectOpen());
    }

    @Test
    void aQueueCopyDelayedPastTheOldReleaseWaitStillArrivesInOrder() throws Exception
    {
        EggProcess sender = aliveSender();
        inbox.receive(frame(sender, 1), false);
        inbox.receive(frame(sender, 3), true);
        inbox.receive(frame(sender, 4), true);
        transport.register(SLOT, agent.pid());
        inbox.start();
        assertEquals(1, next());
        // the queue copy of 2 is slow (10,000 messages ahead of it, say): the receiver takes its queue meanwhile,
        // well past the 300 ms this inbox was given, and its sender is alive: 3 and 4 wait for it
        Thread.sleep(1500);
        awaitTakes(2);
        assertEquals(2, inbox.getHoldsWaiting());
        inbox.receive(frame(sender, 2), false);
        assertDispatched(2, 3, 4);
    }

    @Test
    void aLaterQueueCopyOfTheSameOriginProvesTheMessagesBeforeItNeverReachedTheQueue() throws Exception
    {
        EggProcess sender = aliveSender();
        inbox.receive(frame(sender, 1), false);
        inbox.receive(frame(sender, 3), true);
        inbox.receive(frame(sender, 4), true);
        // each origin's queue copies come in order: 5 through the queue means 2 never got there
        inbox.receive(frame(sender, 5), false);
        assertDispatched(1, 3, 4, 5);
    }

    @Test
    void directCopiesGoOnWithoutAMessageOfASenderThatIsGoneOnceItsQueueCopiesAreAllIn() throws Exception
    {
        EggProcess sender = goneSender();
        inbox.receive(frame(sender, 1), false);
        inbox.receive(frame(sender, 3), true);
        inbox.receive(frame(sender, 4), true);
        assertDispatched(1);
        // the receiver looks at waiting copies after each take from its queue: the sender is gone, and a take
        // that emptied the queue shows that nothing it handed over is still to come
        transport.register(SLOT, agent.pid());
        inbox.start();
        assertDispatched(3, 4);
    }

    /** Waits until the inbox's takes that returned are at least {@code takes}. */
    private void awaitTakes(long takes) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inbox.getTakes() < takes)
        {
            assertTrue(System.nanoTime() < deadline, "only " + inbox.getTakes() + " takes within 10 s, not " + takes);
            Thread.sleep(5);
        }
    }

    private static void awaitQuietly(CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
