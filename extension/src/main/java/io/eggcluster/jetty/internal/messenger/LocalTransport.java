package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/** The transport inside one JVM: the reference for the messenger contract, and for tests. */
public final class LocalTransport extends QueueTransport
{
    private final int capacity;
    private final Map<String, ArrayList<byte[]>> unacknowledged = new ConcurrentHashMap<>();

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
    public List<byte[]> take(String slot, int max, long waitMs, boolean acknowledge) throws InterruptedException
    {
        return Batches.take(queue(slot), unacknowledged, slot, max, waitMs, acknowledge);
    }

    @Override
    public void acknowledge(String slot)
    {
        unacknowledged.remove(slot);
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
