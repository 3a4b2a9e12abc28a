package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Takes of one slot as the member runs them: one at a time, each batch acknowledged only by its taker. */
class BatchesTest
{
    private static final String SLOT = "worker-1";
    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final Batches batches = new Batches();

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
}
