package io.eggcluster.jetty.internal.messenger;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/** The transport inside one JVM: the reference for the messenger contract, and for tests. */
public final class LocalTransport extends QueueTransport
{
    private final int capacity;

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
