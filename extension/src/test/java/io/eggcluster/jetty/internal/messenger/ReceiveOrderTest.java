package io.eggcluster.jetty.internal.messenger;

import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a receiver orders the two copies of each message, fed frames by hand: once each, in each origin's order, a
 * direct copy waiting for the queue copies of the messages before it for as long as they take, and going on without
 * a message only on proof that it never reached the queue (a later queue copy, or its sender gone with everything it
 * handed over taken). The messenger here reports waiting copies every 300 ms, where the release was once timed.
 */
class ReceiveOrderTest
{
    private static final long ORIGIN = 42;
    private final EggProcess agent = new EggProcess(Role.AGENT, 0, 7000);
    private final EggProcess worker = new EggProcess(Role.WORKER, 1, 7001);
    private final LocalTransport transport = new LocalTransport(100);
    private final ClusterMessenger messenger = new ClusterMessenger(agent, 1, transport, 4096,
        TimeUnit.MILLISECONDS.toNanos(300));
    private final MessengerContract.Inbox inbox = new MessengerContract.Inbox();

    ReceiveOrderTest() throws Exception
    {
        messenger.start();
        messenger.on("m", inbox);
    }

    @AfterEach
    void stop()
    {
        LifeCycle.stop(messenger);
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

    @Test
    void eachMessageOnceAndInOrderWhicheverCopyComesFirst() throws Exception
    {
        messenger.receive(frame(1), true);
        messenger.receive(frame(3), true);   // waits for 2
        messenger.receive(frame(1), false);  // already had it
        messenger.receive(frame(2), false);  // fills the gap: 2, then 3
        messenger.receive(frame(3), false);
        messenger.receive(frame(4), false);
        messenger.receive(frame(4), true);
        for (int seq = 1; seq <= 4; seq++)
            assertEquals(seq, inbox.next().data());
        inbox.assertNothingMore();
    }

    @Test
    void aQueueCopyWhoseDirectCopyIsStillBeingHandledWaitsForTheHandling() throws Exception
    {
        java.util.concurrent.CountDownLatch handling = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        messenger.on("m", m ->
        {
            handling.countDown();
            try
            {
                release.await();
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        });
        Thread direct = new Thread(() -> messenger.receive(frame(1), true));
        direct.start();
        handling.await();
        // the taker goes through its batch: the batch is acknowledged when this returns, so it must not return
        // while the message is in the middle of its handling (a crash now must leave it to the replacement)
        Thread taker = new Thread(() -> messenger.receive(frame(1), false));
        taker.start();
        taker.join(300);
        assertTrue(taker.isAlive(), "the queue copy waited for the direct copy's handling");
        release.countDown();
        taker.join(10_000);
        direct.join(10_000);
        assertEquals(1, inbox.next().data());
        inbox.assertNothingMore();
    }

    @Test
    void aQueueCopyDelayedPastTheOldReleaseWaitStillArrivesInOrder() throws Exception
    {
        EggProcess sender = aliveSender();
        messenger.receive(frame(sender, 1), false);
        messenger.receive(frame(sender, 3), true);
        messenger.receive(frame(sender, 4), true);
        transport.register("agent", agent.pid());
        messenger.eggReady();
        assertEquals(1, inbox.next().data());
        // the queue copy of 2 is slow (10,000 messages ahead of it, say): the receiver takes its queue meanwhile,
        // well past the 300 ms this messenger was given, and its sender is alive: 3 and 4 wait for it
        Thread.sleep(1500);
        messenger.receive(frame(sender, 2), false);
        for (int seq = 2; seq <= 4; seq++)
            assertEquals(seq, inbox.next().data());
        inbox.assertNothingMore();
    }

    @Test
    void aLaterQueueCopyOfTheSameOriginProvesTheMessagesBeforeItNeverReachedTheQueue() throws Exception
    {
        EggProcess sender = aliveSender();
        messenger.receive(frame(sender, 1), false);
        messenger.receive(frame(sender, 3), true);
        messenger.receive(frame(sender, 4), true);
        // each origin's queue copies come in order: 5 through the queue means 2 never got there
        messenger.receive(frame(sender, 5), false);
        for (int seq : new int[] {1, 3, 4, 5})
            assertEquals(seq, inbox.next().data());
        inbox.assertNothingMore();
    }

    @Test
    void directCopiesGoOnWithoutAMessageOfASenderThatIsGoneOnceItsQueueCopiesAreAllIn() throws Exception
    {
        EggProcess sender = goneSender();
        messenger.receive(frame(sender, 1), false);
        messenger.receive(frame(sender, 3), true);
        messenger.receive(frame(sender, 4), true);
        assertEquals(1, inbox.next().data());
        inbox.assertNothingMore();
        // the receiver looks at waiting copies after each take from its queue: the sender is gone, and a take
        // that emptied the queue shows that nothing it handed over is still to come
        transport.register("agent", agent.pid());
        messenger.eggReady();
        assertEquals(3, inbox.next().data());
        assertEquals(4, inbox.next().data());
        inbox.assertNothingMore();
    }
}
