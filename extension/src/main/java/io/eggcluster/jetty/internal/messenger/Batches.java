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
        ArrayList<byte[]> batch = new ArrayList<>();
        byte[] first = queue.poll(waitMs, TimeUnit.MILLISECONDS);
        if (first == null)
            return batch;
        batch.add(first);
        queue.drainTo(batch, max - 1);
        unacknowledged.put(slot, batch);
        return batch;
    }
}
