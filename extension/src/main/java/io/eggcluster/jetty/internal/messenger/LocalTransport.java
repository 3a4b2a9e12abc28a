package io.eggcluster.jetty.internal.messenger;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/** The transport inside one JVM: the reference for the messenger contract, and for tests. */
public final class LocalTransport extends QueueTransport
{
    private final int capacity;
    private final Batches batches = new Batches();

    public LocalTransport(int capacity)
    {
        this.capacity = capacity;
    }

    @Override
    BlockingQueue<byte[]> newQueue(String slot)
    {
        return new ArrayBlockingQueue<>(capacity);
    }

    @Override
    public Taken take(String slot, long taker, long acknowledged, int max, long waitMs) throws InterruptedException
    {
        return batches.take(queue(slot), slot, taker, acknowledged, max, waitMs);
    }

    @Override
    public void acknowledge(String slot, long taker, long acknowledged)
    {
        try
        {
            take(slot, taker, acknowledged, 0, 0);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Map<String, Long> freshProcesses()
    {
        return processes();
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

    /** What the master does when a process is ready. */
    public void register(String slot, long pid)
    {
        processes.put(slot, pid);
    }

    /** What the master does when a process dies. */
    public void unregister(String slot)
    {
        processes.remove(slot);
    }
}
