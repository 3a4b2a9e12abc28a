package io.eggcluster.jetty.internal.messenger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/** The transport inside one JVM: the reference for the messenger contract, and for tests. */
public final class LocalTransport extends QueueTransport
{
    private final int capacity;
    private final Batches batches;
    private final Map<String, BlockingQueue<byte[]>> queues = new ConcurrentHashMap<>();
    private final SlotRetirement.Holds holds = new SlotRetirement.Holds()
    {
        @Override
        public Batches batches()
        {
            return batches;
        }

        @Override
        public BlockingQueue<byte[]> queue(String slot)
        {
            return LocalTransport.this.queue(slot);
        }

        @Override
        public int workerCount()
        {
            return LocalTransport.this.workerCount();
        }

        @Override
        public Map<String, Long> ready()
        {
            return processes();
        }
    };

    /**
     * @param capacity the messages each slot holds
     */
    public LocalTransport(int capacity)
    {
        this(capacity, Long.MAX_VALUE);
    }

    /**
     * @param capacity the messages each slot holds
     * @param bytes the bytes of frames each slot holds
     */
    public LocalTransport(int capacity, long bytes)
    {
        this.capacity = capacity;
        this.batches = new Batches(bytes);
    }

    private BlockingQueue<byte[]> queue(String slot)
    {
        return queues.computeIfAbsent(slot, s -> new ArrayBlockingQueue<>(capacity));
    }

    @Override
    public Offered offerAll(String slot, List<byte[]> messages)
    {
        Offered offered = batches.offer(queue(slot), slot, messages);
        if (offered != Batches.RETIRED)
            return offered;
        SlotRetirement.late(holds, slot, messages);
        return new Offered(messages.size(), null);
    }

    @Override
    public Taken take(String slot, long taker, long acknowledged, int max, long waitMs) throws InterruptedException
    {
        return batches.take(queue(slot), slot, taker, acknowledged, max, waitMs);
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
        workersChanged();
    }

    /** What the master does when a process dies. */
    public void unregister(String slot)
    {
        processes.remove(slot);
        workersChanged();
    }

    /** What the master does when the cluster scales: see {@link HazelcastTransport#setWorkerCount}. */
    public void setWorkerCount(int count)
    {
        checkWorkerCount(count);
        batches.reopenUpTo(count);
        cluster.put(MASTER, ProcessHandle.current().pid());
        cluster.put(COUNT, (long)count);
        workersChanged();
    }

    /** What the master does once a removed worker has exited: see {@link HazelcastTransport#retireSlot}. */
    public RetiredSlot retireSlot(int workerId)
    {
        return SlotRetirement.retire(holds, workerId);
    }

    /** The number of frames a slot's queue holds now (for tests). */
    int queued(String slot)
    {
        return queue(slot).size();
    }
}
