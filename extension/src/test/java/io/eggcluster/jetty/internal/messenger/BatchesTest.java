package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Takes of one slot as the member runs them: one at a time, each batch acknowledged only by its taker. */
class BatchesTest
{
    private static final String SLOT = "worker-1";
    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final Batches batches = new Batches(Long.MAX_VALUE);

    private Taken take(long taker, long acknowledged, int max, long waitMs)
    {
        try
        {
            return batches.take(queue, SLOT, taker, acknowledged, max, waitMs);
        }
        catch (InterruptedException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static List<Byte> contents(Taken taken)
    {
        List<Byte> bytes = new ArrayList<>();
        taken.frames().forEach(m -> bytes.add(m[0]));
        return bytes;
    }

    @Test
    void aTakeRetriedWhileTheFirstStillPollsLosesNothing() throws Exception
    {
        // the first take's answer never reaches its taker (it failed on the client side) while it still polls on
        // the member; the taker retries, as after any failed take, acknowledging what it had handled before
        CompletableFuture<Taken> lost = CompletableFuture.supplyAsync(() -> take(1, 0, 10, 2000));
        Thread.sleep(100);
        CompletableFuture<Taken> retry = CompletableFuture.supplyAsync(() -> take(1, 0, 10, 2000));
        Thread.sleep(100);
        queue.add(new byte[] {1});
        Thread.sleep(100);
        queue.add(new byte[] {2});
        lost.get(10, TimeUnit.SECONDS);
        Taken taken = retry.get(10, TimeUnit.SECONDS);
        List<Byte> received = new ArrayList<>(contents(taken));
        // the taker handles what its retry got, and goes on
        for (taken = take(1, taken.id(), 10, 100); !taken.frames().isEmpty(); taken = take(1, taken.id(), 10, 100))
            received.addAll(contents(taken));
        assertEquals(List.of((byte)1, (byte)2), received.stream().distinct().sorted().toList(), "received " + received);
    }

    @Test
    void aStaleTakerNeitherAcknowledgesNorReplacesTheBatchItsSuccessorHolds()
    {
        queue.add(new byte[] {1});
        Taken first = take(1, 0, 10, 100);
        assertEquals(List.of((byte)1), contents(first));
        // taker 1 is gone before acknowledging (killed; or an earlier incarnation): its successor gets the batch
        Taken again = take(2, 0, 10, 100);
        assertEquals(List.of((byte)1), contents(again));
        // a late take of taker 1, acknowledging the batch: it is taker 2's now, and stays
        assertEquals(0, take(1, first.id(), 0, 0).frames().size());
        queue.add(new byte[] {2});
        // a late take of taker 1 that takes: it gets the held batch again, it does not take a new one over it
        assertEquals(List.of((byte)1), contents(take(1, first.id(), 10, 100)));
        // taker 2 acknowledges: the batch went to taker 1 in between, so taker 2 gets it again (at least once),
        // then acknowledges it and goes on with what came after
        Taken next = take(2, again.id(), 10, 100);
        assertEquals(List.of((byte)1), contents(next));
        assertEquals(List.of((byte)2), contents(take(2, next.id(), 10, 100)));
    }

    @Test
    void aBatchIsGoneOnceItsTakerAcknowledgesIt()
    {
        queue.add(new byte[] {1});
        Taken first = take(1, 0, 10, 100);
        take(1, first.id(), 0, 0);
        assertEquals(0, take(2, 0, 10, 100).frames().size());
    }

    private static byte[] frame(long seq, int bytes)
    {
        return Frames.frame(9, seq, new byte[bytes - Frames.HEADER]);
    }

    @Test
    void aSlotHoldsNoMoreBytesThanItsBoundWhateverTheNumberOfSenders() throws Exception
    {
        Batches bounded = new Batches(10_000);
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> refusal = new java.util.concurrent.atomic.AtomicReference<>();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 8; t++)
        {
            senders.add(new Thread(() ->
            {
                for (int i = 0; i < 100; i++)
                {
                    Offered offered = bounded.offer(queue, SLOT, List.of(frame(i, 100), frame(i, 100), frame(i, 100)));
                    accepted.addAndGet(offered.accepted());
                    if (offered.refusal() != null)
                        refusal.set(offered.refusal());
                }
            }));
        }
        senders.forEach(Thread::start);
        for (Thread sender : senders)
            sender.join();
        assertEquals(100, accepted.get(), "frames of 100 bytes accepted within 10,000 bytes");
        assertEquals(100, queue.size());
        assertEquals(10_000, bounded.heldBytes(SLOT));
        assertEquals("jetty.egg.queueBytes=10000: 10000 bytes held, the next message has 100", refusal.get());

        // taken, a batch is still held (its taker may die before handling it) until it is acknowledged
        Taken taken = bounded.take(queue, SLOT, 1, 0, 1024, 0);
        assertEquals(100, taken.frames().size());
        assertEquals(10_000, bounded.heldBytes(SLOT));
        assertEquals(0, bounded.offer(queue, SLOT, List.of(frame(1, 100))).accepted());
        bounded.take(queue, SLOT, 1, taken.id(), 0, 0);
        assertEquals(0, bounded.heldBytes(SLOT));
        assertEquals(1, bounded.offer(queue, SLOT, List.of(frame(1, 100))).accepted());
    }

    @Test
    void aFullQueueRefusesByCountNamingItsBound()
    {
        Batches unbounded = new Batches(Long.MAX_VALUE);
        BlockingQueue<byte[]> small = new LinkedBlockingQueue<>(2);
        Offered offered = unbounded.offer(small, SLOT, List.of(frame(1, 20), frame(2, 20), frame(3, 20)));
        assertEquals(2, offered.accepted());
        assertEquals("jetty.egg.queueCapacity=2 messages held", offered.refusal());
    }

    @Test
    void aTakeCarriesAtMost8MiBButAlwaysOneMessageAndKeepsTheOrder()
    {
        int threeMiB = 3 << 20;
        for (int seq = 1; seq <= 4; seq++)
            batches.offer(queue, SLOT, List.of(frame(seq, threeMiB)));
        batches.offer(queue, SLOT, List.of(frame(5, 10 << 20), frame(6, 100)));
        List<Long> seqs = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        Taken taken = take(1, 0, 1024, 0);
        while (!taken.frames().isEmpty())
        {
            sizes.add(taken.frames().size());
            long bytes = 0;
            for (byte[] frame : taken.frames())
            {
                seqs.add(Frames.seq(frame));
                bytes += frame.length;
            }
            assertTrue(taken.frames().size() == 1 || bytes <= Batches.TAKE_BYTES, bytes + " bytes in one take");
            assertEquals(queue.isEmpty() && batches.heldBytes(SLOT) == bytes && seqs.size() == 6, taken.drained(),
                "drained only once everything is out");
            taken = take(1, taken.id(), 1024, 0);
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), seqs);
        assertEquals(List.of(2, 2, 1, 1), sizes);
    }

    @Test
    void retiringASlotGivesEverythingItHeldOldestFirstAndFreesItsBytes()
    {
        Batches bounded = new Batches(1000);
        List<byte[]> frames = new ArrayList<>();
        for (byte i = 1; i <= 4; i++)
            frames.add(new byte[] {i});
        assertEquals(4, bounded.offer(queue, SLOT, frames).accepted());
        // the slot's last worker took a batch of two and exited before acknowledging it
        Taken taken;
        try
        {
            taken = bounded.take(queue, SLOT, 1, 0, 2, 0);
        }
        catch (InterruptedException e)
        {
            throw new IllegalStateException(e);
        }
        assertEquals(List.of((byte)1, (byte)2), contents(taken));
        List<byte[]> left = bounded.retire(queue, SLOT);
        assertEquals(List.of((byte)1, (byte)2, (byte)3, (byte)4), left.stream().map(m -> m[0]).toList());
        assertEquals(0, bounded.heldBytes(SLOT));
        assertTrue(bounded.isRetired(SLOT));
        // a hand-over to it adds nothing: its caller deals with the frames
        assertTrue(bounded.offer(queue, SLOT, List.of(new byte[] {5})) == Batches.RETIRED);
        assertTrue(queue.isEmpty());
        assertEquals(false, bounded.offerOwn(queue, SLOT, new byte[] {6}));
        // the cluster grows again: the slot holds as before, frames of the holds' own with seqs from 1
        bounded.reopenUpTo(1);
        assertEquals(1, bounded.offer(queue, SLOT, List.of(new byte[] {7})).accepted());
        assertTrue(bounded.offerOwn(queue, SLOT, new byte[] {8}));
        assertTrue(bounded.offerOwn(queue, SLOT, new byte[] {9}));
        queue.poll();
        assertEquals(1, Frames.seq(queue.poll()));
        assertEquals(2, Frames.seq(queue.poll()));
    }
}
