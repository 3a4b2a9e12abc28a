package io.eggcluster.jetty.internal.messenger;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transport whose slots are blocking queues (a JDK queue in one JVM, Hazelcast's {@code IQueue} in a cluster) and
 * which keeps a local copy of the registry.
 */
abstract class QueueTransport implements Transport
{
    private final Map<String, BlockingQueue<byte[]>> queues = new ConcurrentHashMap<>();
    /** The registry as this process knows it; kept up to date by the subclass. */
    final Map<String, Long> processes = new ConcurrentHashMap<>();
    /** What senders read on every sendTo: a live view, no copy. */
    private final Map<String, Long> readOnlyProcesses = Collections.unmodifiableMap(processes);
    /** The direct endpoints as this process knows them; kept up to date by the subclass. */
    final Map<String, String> endpoints = new ConcurrentHashMap<>();
    private final Map<String, String> readOnlyEndpoints = Collections.unmodifiableMap(endpoints);

    /**
     * @return the queue of a slot, made once per slot and transport
     */
    abstract BlockingQueue<byte[]> newQueue(String slot);

    BlockingQueue<byte[]> queue(String slot)
    {
        return queues.computeIfAbsent(slot, this::newQueue);
    }

    @Override
    public int offerAll(String slot, List<byte[]> messages)
    {
        return offerEach(queue(slot), messages, 0);
    }

    /** Offers the messages from {@code from} on, one at a time, until the queue refuses one. */
    static int offerEach(BlockingQueue<byte[]> queue, List<byte[]> messages, int from)
    {
        int taken = from;
        while (taken < messages.size() && queue.offer(messages.get(taken)))
            taken++;
        return taken;
    }

    @Override
    public Map<String, Long> processes()
    {
        return readOnlyProcesses;
    }

    @Override
    public Map<String, String> endpoints()
    {
        return readOnlyEndpoints;
    }
}
