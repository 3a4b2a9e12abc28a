package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One slot's outbox, a plain queue: numbering, bounds, batches, and what a hand-over's answer leaves. */
class OutboxTest
{
    private static final long ORIGIN = 0x5eed;
    private final Outbox outbox = new Outbox("agent", ORIGIN);

    @Test
    void framesCarryTheOriginAndCountFromOneInTheOrderAccepted()
    {
        for (int i = 0; i < 3; i++)
        {
            byte[] frame = outbox.add(new byte[]{(byte)i});
            assertEquals(ORIGIN, Frames.origin(frame));
            assertEquals(i + 1, Frames.seq(frame));
            assertEquals(i, frame[Frames.HEADER]);
        }
        assertEquals(3, outbox.size());
        assertEquals(3 * (Frames.HEADER + 1), outbox.bytes());
        assertEquals(3, outbox.seq());
    }

    @Test
    void aBatchIsAtMostBatchMessagesAndBatchBytesButAtLeastOneMessage()
    {
        for (int i = 0; i < Outbox.BATCH + 10; i++)
            outbox.add(new byte[1]);
        assertEquals(Outbox.BATCH, outbox.head().size());

        Outbox big = new Outbox("agent", ORIGIN);
        big.add(new byte[Outbox.BATCH_BYTES]);
        big.add(new byte[1]);
        assertEquals(1, big.head().size(), "a message larger than a batch's bytes goes alone");
        big.handedOver(big.head(), 1, null, null);
        assertEquals(1, big.head().size());
    }

    @Test
    void roomIsBoundedInMessagesAndInBytesButALoneMessageAlwaysFits()
    {
        assertTrue(outbox.hasRoom(Outbox.PER_SLOT_BYTES * 2), "a lone message fits, however large");
        outbox.add(new byte[Outbox.PER_SLOT_BYTES - 2 * Frames.HEADER - 10]);
        assertTrue(outbox.hasRoom(10));
        assertFalse(outbox.hasRoom(11), "one byte beyond the slot's bytes");

        Outbox counted = new Outbox("agent", ORIGIN);
        for (int i = 0; i < Outbox.PER_SLOT; i++)
            counted.add(new byte[0]);
        assertFalse(counted.hasRoom(0), "the slot's messages");
    }

    @Test
    void whatTheHoldTookLeavesAndWhatItRefusedWaitsAndRests()
    {
        for (int i = 0; i < 5; i++)
            outbox.add(new byte[]{(byte)i});
        List<byte[]> batch = outbox.head();
        long before = System.nanoTime();
        assertTrue(outbox.handedOver(batch, 2, "jetty.egg.queueCapacity=2", null));
        assertTrue(outbox.isFull());
        assertEquals("jetty.egg.queueCapacity=2", outbox.refusal());
        assertEquals(3, outbox.size());
        assertEquals(3 * (Frames.HEADER + 1), outbox.bytes());
        assertEquals(2, outbox.handedSeq());
        assertEquals(3, Frames.seq(outbox.head().get(0)), "the first refused is first again");
        assertTrue(outbox.restNanos(before) >= TimeUnit.MILLISECONDS.toNanos(Outbox.RETRY_MS), "it rests before the next try");

        assertFalse(outbox.handedOver(outbox.head(), 3, null, null));
        assertFalse(outbox.isFull());
        assertTrue(outbox.isEmpty());
        assertEquals(0, outbox.bytes());
        assertEquals(5, outbox.handedSeq());
    }

    @Test
    void aFailedHandOverKeepsEverythingAndSaysWhy()
    {
        outbox.add(new byte[1]);
        assertFalse(outbox.handedOver(outbox.head(), 0, null, "member unreachable"), "a failure is not a refusal");
        assertFalse(outbox.isFull());
        assertEquals("member unreachable", outbox.failure());
        assertEquals(1, outbox.size());
        assertFalse(outbox.isDue(System.nanoTime()), "it rests before the next try");
        outbox.handedOver(outbox.head(), 1, null, null);
        assertNull(outbox.failure());
    }

    @Test
    void aHeldBackHeadIsNotDueUntilItsTime()
    {
        outbox.add(new byte[1]);
        long now = System.nanoTime();
        assertTrue(outbox.isDue(now));
        outbox.holdUntil(now + TimeUnit.SECONDS.toNanos(1));
        assertFalse(outbox.isDue(now));
        assertTrue(outbox.isDue(now + TimeUnit.SECONDS.toNanos(1)));
        assertEquals(1, outbox.clear());
        assertFalse(outbox.isDue(now + TimeUnit.SECONDS.toNanos(1)), "nothing waits");
        assertEquals(new ArrayList<>(), outbox.head());
    }
}
