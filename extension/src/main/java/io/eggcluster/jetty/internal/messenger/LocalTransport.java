package io.eggcluster.jetty.internal.messenger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/** The transport inside one JVM: the reference for the messenger contract, and for tests. */
public final class LocalTransport implements Transport
{
    private final int capacity;
    private final Map<String, BlockingQueue<byte[]>> queues = new ConcurrentHashMap<>();
    private final Map<String, Long> processes = new ConcurrentHashMap<>();

    public LocalTransport(int capacity)
    {
        this.capacity = capacity;
    }

    private BlockingQueue<byte[]> queue(String slot)
    {
        return queues.computeIfAbsent(slot, s -> new ArrayBlockingQueue<>(capacity));
    }

    @Override
    public boolean offer(String slot, byte[] message)
    {
        return queue(slot).offer(message);
    }

    @Override
    public List<byte[]> poll(String slot, int max, long waitMs) throws InterruptedException
    {
        return Transport.pollBatch(queue(slot), max, waitMs);
    }

    @Override
    public Map<String, Long> processes()
    {
        return Map.copyOf(processes);
    }

    @Override
    public Map<String, Long> freshProcesses()
    {
        return processes();
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
