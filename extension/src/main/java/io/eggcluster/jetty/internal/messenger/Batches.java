package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Taking a slot's messages with acknowledgement, where the queue and the record of unacknowledged batches live
 * together (in one JVM, or on the Hazelcast member that owns the queue, through {@link DrainTask}): the batch is
 * recorded as taken in the same step that takes it, and forgotten when the next take acknowledges it.
 */
final class Batches
{
    private Batches()
    {
    }

    static ArrayList<byte[]> take(BlockingQueue<byte[]> queue, Map<String, ArrayList<byte[]>> unacknowledged, String slot,
                                  int max, long waitMs, boolean acknowledge) throws InterruptedException
    {
        if (acknowledge)
        {
            unacknowledged.remove(slot);
            if (max == 0)
                return new ArrayList<>();
        }
        else
        {
            ArrayList<byte[]> left = unacknowledged.get(slot);
            if (left != null && !left.isEmpty())
                return left;
        }
        // what is there already, in one call; else wait for the next message and return it alone at once: a
        // message that comes to an idle receiver travels without a second call, and the next take drains the rest
        ArrayList<byte[]> batch = new ArrayList<>();
        queue.drainTo(batch, max);
        if (batch.isEmpty())
        {
            byte[] next = queue.poll(waitMs, TimeUnit.MILLISECONDS);
            if (next == null)
                return batch;
            batch.add(next);
        }
        unacknowledged.put(slot, batch);
        return batch;
    }
}
