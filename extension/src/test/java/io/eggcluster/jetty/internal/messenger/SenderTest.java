package io.eggcluster.jetty.internal.messenger;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sender side of the messenger: the hand-overs (batching, order, retries, back-pressure, what a stop does with
 * what is left) and the direct-or-queue policy (burst, linger, hurry), seen through what reaches the cluster, what
 * reaches a real direct socket, the sender's counts and its dump.
 */
class SenderTest
{
    /** Records every hand-over; can be made to fail, to refuse or to wait. Knows one receiver's endpoint. */
    private static final class RecordingTransport implements Transport
    {
        final List<Integer> received = Collections.synchronizedList(new ArrayList<>());
        final List<Long> seqs = Collections.synchronizedList(new ArrayList<>());
        /** Slot and seq to when its hand-over began (nanoTime). */
        final Map<String, Long> handedAt = new ConcurrentHashMap<>();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger failuresLeft = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        /** When set, every hand-over is refused by this bound. */
        volatile String refuseWith;
        final Map<String, Long> processes = new ConcurrentHashMap<>();
        final Map<String, String> endpoints = new ConcurrentHashMap<>();

        @Override
        public Offered offerAll(String slot, List<byte[]> messages) throws InterruptedException
        {
            long now = System.nanoTime();
            calls.incrementAndGet();
            gate.await();
            if (failuresLeft.getAndDecrement() > 0)
                throw new IllegalStateException("member unreachable");
            if (refuseWith != null)
                return new Offered(0, refuseWith);
            for (byte[] frame : messages)
            {
                assertEquals(ORIGIN, Frames.origin(frame));
                handedAt.put(slot + "#" + Frames.seq(frame), now);
                if (slot.equals("agent"))
                {
                    seqs.add(Frames.seq(frame));
                    received.add(value(frame));
                }
            }
            return new Offered(messages.size(), null);
        }

        @Override
        public Taken take(String slot, long taker, long acknowledged, int max, long waitMs)
        {
            throw new UnsupportedOperationException();
        }

        @Override
        public void acknowledge(String slot, long taker, long acknowledged)
        {
        }

        @Override
        public Map<String, Long> processes()
        {
            return processes;
        }

        @Override
        public Map<String, Long> freshProcesses()
        {
            return processes;
        }

        @Override
        public void publishEndpoint(String slot, String endpoint)
        {
            endpoints.put(slot, endpoint);
        }

        @Override
        public void withdrawEndpoint(String slot, String endpoint)
        {
            endpoints.remove(slot, endpoint);
        }

        @Override
        public Map<String, String> endpoints()
        {
            return endpoints;
        }

        @Override
        public int workerCount()
        {
            return 0;
        }

        @Override
        public long masterPid()
        {
            return 0;
        }

        @Override
        public void onWorkersChanged(Runnable listener)
        {
        }
    }

    private static final long ORIGIN = 0x5eed;
    private static final EggProcess SELF = new EggProcess(Role.WORKER, 1, 1);
    private static final String RECEIVER = "worker-2";
    private final RecordingTransport transport = new RecordingTransport();
    /** This process's own inbox, never started here: nothing goes to it directly. */
    private final Inbox self = new Inbox(SELF, "worker-1", transport, new Inbox.Dispatch()
    {
        @Override
        public void opening()
        {
        }

        @Override
        public void dispatch(byte[] frame)
        {
        }
    }, Frames.HEADER + 4096, Inbox.HOLD_REPORT_NANOS);
    private final Sender sender = new Sender("worker#1:1", "worker-1", ORIGIN, transport, self);
    /** Frames that reached the receiver's direct socket. */
    private final AtomicLong directlyReceived = new AtomicLong();
    private DirectReceiver receiver;

    @BeforeEach
    void start() throws Exception
    {
        sender.start();
    }

    @AfterEach
    void stop()
    {
        transport.gate.countDown();
        LifeCycle.stop(sender);
        if (receiver != null)
            LifeCycle.stop(receiver);
    }

    private static byte[] message(int i)
    {
        return new byte[]{(byte)(i >> 8), (byte)i};
    }

    private static int value(byte[] frame)
    {
        return (int)frame[Frames.HEADER] << 8 | frame[Frames.HEADER + 1] & 0xff;
    }

    /** A receiver in slot {@link #RECEIVER} with a direct socket, and the sender's connection to it, open. */
    private void connectReceiver() throws Exception
    {
        receiver = new DirectReceiver("receiver", InetAddress.getLoopbackAddress(), Frames.HEADER + 4096,
            frame -> directlyReceived.incrementAndGet(), DirectReceiver.HANDSHAKE_MS, DirectReceiver.MAX_CONNECTIONS);
        receiver.start();
        transport.processes.put(RECEIVER, 7002L);
        transport.endpoints.put(RECEIVER, receiver.endpoint(7002));
        // the first send opens the connection in the background; its own copy goes through the queue only
        sender.send(RECEIVER, message(0), "probe");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sender.getDirectLinks() == 0)
        {
            assertTrue(System.nanoTime() < deadline, "no direct connection within 10 s");
            Thread.sleep(5);
        }
        assertTrue(sender.flush(10_000));
    }

    // ---- the direct-or-queue policy

    /**
     * Keeps the sender thread in a hand-over to another slot until the gate opens: until then, nothing but the
     * policy changes the other lanes (the thread may otherwise hand over a frame before its direct copy has gone).
     */
    private void keepTheSenderThreadBusy() throws Exception
    {
        transport.gate = new CountDownLatch(1);
        int calls = transport.calls.get();
        sender.send("agent", message(1), "busy");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (transport.calls.get() == calls)
        {
            assertTrue(System.nanoTime() < deadline, "no hand-over began");
            Thread.sleep(1);
        }
    }

    @Test
    void aLoneMessageAlsoGoesDirectlyAndItsQueueCopyLingers() throws Exception
    {
        connectReceiver();
        keepTheSenderThreadBusy();
        long sentBefore = sender.getDirectSent();
        long start = System.nanoTime();
        sender.send(RECEIVER, message(1), "lone");
        assertEquals(sentBefore + 1, sender.getDirectSent(), "the copy went straight to the receiver");
        assertEquals(RECEIVER + ": seq 2, waiting 1 (" + (Frames.HEADER + 2) + " bytes), lingering", lane(RECEIVER));
        transport.gate.countDown();
        assertTrue(sender.flush(10_000));
        long handed = transport.handedAt.get(RECEIVER + "#2");
        assertTrue(handed - start >= Sender.LINGER_NANOS, "the queue copy waited for company: " +
            TimeUnit.NANOSECONDS.toMicros(handed - start) + " us");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (directlyReceived.get() < 1 && System.nanoTime() < deadline)
            Thread.sleep(5);
        assertEquals(1, directlyReceived.get(), "the receiver got it on its socket");
    }

    @Test
    void aMessageThatGoesThroughTheQueueOnlyEndsTheLinger() throws Exception
    {
        connectReceiver();
        keepTheSenderThreadBusy();
        long notSent = sender.getDirectNotSent();
        sender.send(RECEIVER, message(2), "direct");
        assertEquals(RECEIVER + ": seq 2, waiting 1 (" + (Frames.HEADER + 2) + " bytes), lingering", lane(RECEIVER));
        // no endpoint any more: the next copy cannot go directly, so what waits goes now
        transport.endpoints.remove(RECEIVER);
        sender.send(RECEIVER, message(3), "queue only");
        assertEquals(notSent + 1, sender.getDirectNotSent(), "its copy did not go directly");
        assertEquals(RECEIVER + ": seq 3, waiting 2 (" + 2 * (Frames.HEADER + 2) + " bytes)", lane(RECEIVER));
        transport.gate.countDown();
        assertTrue(sender.flush(10_000));
        assertTrue(transport.handedAt.containsKey(RECEIVER + "#3"));
    }

    /** A slot's line in the sender's dump. */
    private String lane(String slot)
    {
        String dump = sender.dump();
        String start = slot + ": seq";
        return dump.lines().filter(l -> l.contains(start)).map(l -> l.substring(l.indexOf(start)).trim()).findFirst()
            .orElseThrow(() -> new AssertionError(dump));
    }

    @Test
    void manyMessagesWaitingForTheQueueMakeABurstThatSkipsTheDirectPath() throws Exception
    {
        connectReceiver();
        long sentBefore = sender.getDirectSent();
        transport.gate = new CountDownLatch(1);
        int count = 5000;
        for (int i = 0; i < count; i++)
            sender.send(RECEIVER, message(i), "burst");
        long direct = sender.getDirectSent() - sentBefore;
        assertTrue(direct <= Sender.DIRECT_MAX_PENDING, "beyond " + Sender.DIRECT_MAX_PENDING + " waiting, a burst " +
            "travels through the queue only: " + direct + " of " + count + " went directly");
        transport.gate.countDown();
        assertTrue(sender.flush(10_000));
        for (int seq = 1; seq <= count + 1; seq++)
            assertTrue(transport.handedAt.containsKey(RECEIVER + "#" + seq), "every message reached the queue: " + seq);
        assertEquals(count + 1, sender.getMessagesHandedOver());
    }

    // ---- the hand-overs

    @Test
    void aBurstTravelsInFewHandOversInOrder()
    {
        transport.gate = new CountDownLatch(1);
        for (int i = 0; i < 5000; i++)
            sender.send("agent", message(i), "burst");
        assertEquals(5000, sender.getOutboxSize());
        assertEquals(5000L * (Frames.HEADER + 2), sender.getOutboxBytes());
        transport.gate.countDown();
        assertTrue(sender.flush(10_000));
        assertEquals(5000, transport.received.size());
        for (int i = 0; i < 5000; i++)
        {
            assertEquals(i, transport.received.get(i));
            assertEquals(i + 1, transport.seqs.get(i), "the slot's frames count from 1 in the order they were sent");
        }
        // the first call took one message, each later one up to a full batch
        assertTrue(transport.calls.get() <= 1 + (5000 + Outbox.BATCH - 1) / Outbox.BATCH, transport.calls + " calls");
        assertEquals(5000, sender.getMessagesSent());
        assertEquals(0, sender.getOutboxSize());
    }

    @Test
    void aFailedHandOverIsRetriedAndLosesNothing()
    {
        transport.failuresLeft.set(3);
        for (int i = 0; i < 100; i++)
            sender.send("agent", message(i), "retry");
        assertTrue(sender.flush(10_000));
        assertEquals(100, transport.received.size());
        for (int i = 0; i < 100; i++)
            assertEquals(i, transport.received.get(i));
    }

    @Test
    void aSendWaitsForRoomInsteadOfFailingWhileTheSenderCatchesUp() throws Exception
    {
        transport.gate = new CountDownLatch(1);
        for (int i = 0; i < Outbox.PER_SLOT; i++)
            sender.send("agent", message(i), "fill");
        Thread late = new Thread(() -> sender.send("agent", message(Outbox.PER_SLOT), "fill"));
        late.start();
        late.join(200);
        assertTrue(late.isAlive(), "the send beyond the slot's room waits");
        transport.gate.countDown();
        late.join(10_000);
        assertTrue(sender.flush(10_000));
        assertEquals(Outbox.PER_SLOT + 1, transport.received.size());
    }

    @Test
    void aReceiverThatMakesNoRoomForAWholeWaitMakesLaterSendsFailAtOnceUntilItDoes() throws Exception
    {
        transport.refuseWith = "jetty.egg.queueBytes=100: 90 bytes held, the next message has 18";
        sender.send("agent", message(1), "held");
        assertTrue(sender.flush(10_000));
        assertEquals(List.of("agent (" + transport.refuseWith + ")"), sender.getFullSlots());
        long start = System.nanoTime();
        IllegalStateException first = assertThrows(IllegalStateException.class, () -> sender.send("agent", message(2), "x"));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(Sender.FULL_WAIT_MS), "the first waited");
        assertTrue(first.getMessage().contains("the message queue of agent is full (jetty.egg.queueBytes=100: 90 bytes " +
            "held, the next message has 18): 'x' was not sent"), first.getMessage());
        start = System.nanoTime();
        assertThrows(IllegalStateException.class, () -> sender.send("agent", message(3), "y"));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(Sender.FULL_WAIT_MS / 2),
            "the next failed at once: the receiver is not taking");
        // room again: the held message goes, and sends are accepted
        transport.refuseWith = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (transport.received.isEmpty() && System.nanoTime() < deadline)
            Thread.sleep(Outbox.RETRY_MS);
        sender.send("agent", message(4), "after");
        assertTrue(sender.flush(10_000));
        assertEquals(List.of(1, 4), transport.received);
        assertTrue(sender.getFullSlots().isEmpty());
    }

    @Test
    void aSendWaitsWhileItsSlotHoldsItsBytesOfMessagesNotHandedOver() throws Exception
    {
        transport.gate = new CountDownLatch(1);
        byte[] mebibyte = new byte[1 << 20];
        int fit = Outbox.PER_SLOT_BYTES / (mebibyte.length + Frames.HEADER);
        for (int i = 0; i < fit; i++)
            sender.send("agent", mebibyte, "big");
        Thread late = new Thread(() -> sender.send("agent", mebibyte, "big"));
        late.start();
        late.join(200);
        assertTrue(late.isAlive(), "the send beyond the slot's bytes waits");
        transport.gate.countDown();
        late.join(10_000);
        assertTrue(sender.flush(10_000));
        assertEquals(fit + 1, transport.received.size());
    }

    @Test
    void aStopHandsOverWhatIsLeftThenRefusesSendsAndEndsItsThreads() throws Exception
    {
        transport.gate = new CountDownLatch(1);
        sender.send("agent", message(1), "before");
        Thread opener = new Thread(() ->
        {
            try
            {
                Thread.sleep(200);
            }
            catch (InterruptedException ignored)
            {
                // open now
            }
            transport.gate.countDown();
        });
        opener.start();
        sender.stop();
        assertEquals(List.of(1), transport.received, "handed over by the stop");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sender.send("agent", message(2), "after"));
        assertTrue(e.getMessage().contains("worker#1:1 has stopped: 'after' was not sent to agent"), e.getMessage());
        opener.join();
    }
}
