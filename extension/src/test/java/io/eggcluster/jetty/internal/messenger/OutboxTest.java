package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sender side of the messenger: batching, order, retries, and what a stop does with what is left. */
class OutboxTest
{
    /** Records every hand-over; can be made to fail or to wait. */
    private static final class RecordingTransport implements Transport
    {
        final List<Integer> received = Collections.synchronizedList(new ArrayList<>());
        final List<Long> seqs = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger failuresLeft = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        /** When set, every hand-over is refused by this bound. */
        volatile String refuseWith;

        @Override
        public Offered offerAll(String slot, List<byte[]> messages) throws InterruptedException
        {
            calls.incrementAndGet();
            gate.await();
            if (failuresLeft.getAndDecrement() > 0)
                throw new IllegalStateException("member unreachable");
            if (refuseWith != null)
                return new Offered(0, refuseWith);
            for (byte[] frame : messages)
            {
                assertEquals(ORIGIN, Frames.origin(frame));
                seqs.add(Frames.seq(frame));
                received.add((int)frame[Frames.HEADER] << 8 | frame[Frames.HEADER + 1] & 0xff);
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
            return Map.of();
        }

        @Override
        public Map<String, Long> freshProcesses()
        {
            return Map.of();
        }

        @Override
        public void publishEndpoint(String slot, String endpoint)
        {
        }

        @Override
        public void withdrawEndpoint(String slot, String endpoint)
        {
        }

        @Override
        public Map<String, String> endpoints()
        {
            return Map.of();
        }
    }

    private static final long ORIGIN = 0x5eed;
    private final RecordingTransport transport = new RecordingTransport();
    private final Outbox outbox = new Outbox("worker#1:1", ORIGIN, transport);

    @AfterEach
    void close()
    {
        outbox.close(0);
    }

    private static byte[] message(int i)
    {
        return new byte[]{(byte)(i >> 8), (byte)i};
    }

    @Test
    void aBurstTravelsInFewHandOversInOrder()
    {
        transport.gate = new CountDownLatch(1);
        for (int i = 0; i < 5000; i++)
            outbox.send("agent", message(i), "burst");
        transport.gate.countDown();
        assertTrue(outbox.flush(10_000));
        assertEquals(5000, transport.received.size());
        for (int i = 0; i < 5000; i++)
        {
            assertEquals(i, transport.received.get(i));
            assertEquals(i + 1, transport.seqs.get(i), "the slot's frames count from 1 in the order they were sent");
        }
        // the first call took one message, each later one up to a full batch
        assertTrue(transport.calls.get() <= 1 + (5000 + Outbox.BATCH - 1) / Outbox.BATCH, transport.calls + " calls");
    }

    @Test
    void aFailedHandOverIsRetriedAndLosesNothing()
    {
        transport.failuresLeft.set(3);
        for (int i = 0; i < 100; i++)
            outbox.send("agent", message(i), "retry");
        assertTrue(outbox.flush(10_000));
        assertEquals(100, transport.received.size());
        for (int i = 0; i < 100; i++)
            assertEquals(i, transport.received.get(i));
    }

    @Test
    void aSendWaitsForRoomInsteadOfFailingWhileTheSenderCatchesUp() throws Exception
    {
        transport.gate = new CountDownLatch(1);
        for (int i = 0; i < Outbox.PER_SLOT; i++)
            outbox.send("agent", message(i), "fill");
        Thread late = new Thread(() -> outbox.send("agent", message(Outbox.PER_SLOT), "fill"));
        late.start();
        late.join(200);
        assertTrue(late.isAlive(), "the send beyond the slot's room waits");
        transport.gate.countDown();
        late.join(10_000);
        assertTrue(outbox.flush(10_000));
        assertEquals(Outbox.PER_SLOT + 1, transport.received.size());
    }

    @Test
    void aReceiverThatMakesNoRoomForAWholeWaitMakesLaterSendsFailAtOnceUntilItDoes() throws Exception
    {
        transport.refuseWith = "jetty.egg.queueBytes=100: 90 bytes held, the next message has 18";
        outbox.send("agent", message(1), "held");
        assertTrue(outbox.flush(10_000));
        long start = System.nanoTime();
        IllegalStateException first = assertThrows(IllegalStateException.class, () -> outbox.send("agent", message(2), "x"));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(Outbox.FULL_WAIT_MS), "the first waited");
        assertTrue(first.getMessage().contains("the message queue of agent is full (jetty.egg.queueBytes=100: 90 bytes " +
            "held, the next message has 18): 'x' was not sent"), first.getMessage());
        start = System.nanoTime();
        assertThrows(IllegalStateException.class, () -> outbox.send("agent", message(3), "y"));
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(Outbox.FULL_WAIT_MS / 2),
            "the next failed at once: the receiver is not taking");
        // room again: the held message goes, and sends are accepted
        transport.refuseWith = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (transport.received.isEmpty() && System.nanoTime() < deadline)
            Thread.sleep(Outbox.RETRY_MS);
        outbox.send("agent", message(4), "after");
        assertTrue(outbox.flush(10_000));
        assertEquals(List.of(1, 4), transport.received);
    }

    @Test
    void aSendWaitsWhileItsSlotHoldsItsBytesOfMessagesNotHandedOver() throws Exception
    {
        transport.gate = new CountDownLatch(1);
        byte[] mebibyte = new byte[1 << 20];
        int fit = Outbox.PER_SLOT_BYTES / (mebibyte.length + Frames.HEADER);
        for (int i = 0; i < fit; i++)
            outbox.send("agent", mebibyte, "big");
        Thread late = new Thread(() -> outbox.send("agent", mebibyte, "big"));
        late.start();
        late.join(200);
        assertTrue(late.isAlive(), "the send beyond the slot's bytes waits");
        transport.gate.countDown();
        late.join(10_000);
        assertTrue(outbox.flush(10_000));
        assertEquals(fit + 1, transport.received.size());
    }

    @Test
    void aClosedOutboxRefusesSends() throws Exception
    {
        outbox.send("agent", message(1), "before");
        outbox.close(TimeUnit.SECONDS.toMillis(10));
        assertEquals(List.of(1), transport.received);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> outbox.send("agent", message(2), "after"));
        assertTrue(e.getMessage().contains("worker#1:1 has stopped: 'after' was not sent to agent"), e.getMessage());
    }
}
