package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A transport whose slots are blocking queues (a JDK queue in one JVM, Hazelcast's {@code IQueue} in a cluster) and
 * which keeps a local copy of the registry.
 */
abstract class QueueTransport implements Transport
{
    private final Map<String, BlockingQueue<byte[]>> queues = new ConcurrentHashMap<>();
    /** The registry as this process knows it; kept up to date by the subclass. */
    final Map<String, Long> processes = new ConcurrentHashMap<>();

    /**
     * @return the queue of a slot, made once per slot and transport
     */
    abstract BlockingQueue<byte[]> newQueue(String slot);

    private BlockingQueue<byte[]> queue(String slot)
    {
        return queues.computeIfAbsent(slot, this::newQueue);
    }

    @Override
    public boolean offer(String slot, byte[] message)
    {
        return queue(slot).offer(message);
    }

    /** One timed poll, then what else is there, up to {@code max}. */
    @Override
    public List<byte[]> poll(String slot, int max, long waitMs) throws InterruptedException
    {
        BlockingQueue<byte[]> queue = queue(slot);
        List<byte[]> batch = new ArrayList<>();
        byte[] first = queue.poll(waitMs, TimeUnit.MILLISECONDS);
        if (first == null)
            return batch;
        batch.add(first);
        queue.drainTo(batch, max - 1);
        return batch;
    }

    @Override
    public Map<String, Long> processes()
    {
        return Map.copyOf(processes);
    }
}
