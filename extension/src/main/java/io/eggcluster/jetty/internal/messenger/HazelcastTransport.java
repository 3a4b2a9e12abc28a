package io.eggcluster.jetty.internal.messenger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;

/**
 * The transport on Hazelcast: an {@code IQueue} per slot ({@value #QUEUE_PREFIX}{@code <slot>}, bounded in messages
 * by the member's queue configuration and in bytes by the member's {@link Batches}), added to and taken on the member
 * itself ({@link OfferTask}; {@link DrainTask}, with acknowledgement), the registry {@value #REGISTRY} (slot to
 * pid) and the map {@value #WORKERS} (the worker count and the master's pid), of which each process keeps a local
 * copy up to date with an entry listener.
 *
 * <p>The master's side is static, on its member: {@link #register}, {@link #unregister}, {@link #setWorkerCount}
 * and {@link #retireSlot}.</p>
 */
public final class HazelcastTransport extends QueueTransport
{
    public static final String QUEUE_PREFIX = "egg-queue-";
    public static final String REGISTRY = "egg-processes";
    /** What the master says of the workers as a whole: {@code count} (the worker slots) and {@code master} (its pid). */
    public static final String WORKERS = "egg-workers";
    /** Where each slot's process takes direct frames: slot to {@code pid@host:port}, written by the process. */
    public static final String ENDPOINTS = "egg-endpoints";
    /** The member's executor that runs the receivers' takes (one waiting task per receiver at most). */
    public static final String EXECUTOR = "egg-receivers";
    /** The member's executor that runs the senders' hand-overs (short: never waits for room). */
    public static final String SENDERS = "egg-senders";

    private final HazelcastInstance hazelcast;
    private final IMap<String, Long> registry;
    private final IExecutorService executor;
    private final IExecutorService senders;
    private final IMap<String, String> endpointMap;
    private final IMap<String, Long> workers;

    private interface MirrorListener<V> extends EntryAddedListener<String, V>, EntryUpdatedListener<String, V>,
        EntryRemovedListener<String, V>
    {
    }

    public HazelcastTransport(HazelcastInstance hazelcast)
    {
        this.hazelcast = hazelcast;
        this.registry = hazelcast.getMap(REGISTRY);
        this.executor = hazelcast.getExecutorService(EXECUTOR);
        this.senders = hazelcast.getExecutorService(SENDERS);
        mirror(registry, processes, this::workersChanged);
        this.workers = hazelcast.getMap(WORKERS);
        mirror(workers, cluster, this::workersChanged);
        this.endpointMap = hazelcast.getMap(ENDPOINTS);
        mirror(endpointMap, endpoints, () -> {});
    }

    /**
     * Keeps {@code local} a copy of {@code map}: an entry listener, then what the map holds already; calls
     * {@code changed} after each change.
     */
    private static <V> void mirror(IMap<String, V> map, Map<String, V> local, Runnable changed)
    {
        map.addEntryListener(new MirrorListener<V>()
        {
            @Override
            public void entryAdded(EntryEvent<String, V> event)
            {
                local.put(event.getKey(), event.getValue());
                changed.run();
            }

            @Override
            public void entryUpdated(EntryEvent<String, V> event)
            {
                local.put(event.getKey(), event.getValue());
                changed.run();
            }

            @Override
            public void entryRemoved(EntryEvent<String, V> event)
            {
                local.remove(event.getKey());
                changed.run();
            }
        }, true);
        local.putAll(map);
        changed.run();
    }

    @Override
    public void publishEndpoint(String slot, String endpoint)
    {
        endpointMap.set(slot, endpoint);
    }

    @Override
    public void withdrawEndpoint(String slot, String endpoint)
    {
        endpointMap.remove(slot, endpoint);
    }

    /**
     * Runs on the member that owns the slot's queue ({@link OfferTask}), which keeps the slot's account in bytes: one
     * call for the batch, which adds as many of the messages as the hold has room for, in messages and in bytes.
     */
    @Override
    public Offered offerAll(String slot, List<byte[]> messages) throws InterruptedException
    {
        try
        {
            return senders.submitToKeyOwner(new OfferTask(slot, messages), QUEUE_PREFIX + slot).get();
        }
        catch (ExecutionException e)
        {
            throw new IllegalStateException("cannot hand messages to " + slot + ": " + e.getCause(), e.getCause());
        }
    }

    /** Runs on the member that owns the slot's queue, see {@link DrainTask}. */
    @Override
    public Taken take(String slot, long taker, long acknowledged, int max, long waitMs) throws InterruptedException
    {
        try
        {
            return executor.submitToKeyOwner(new DrainTask(slot, taker, acknowledged, max, waitMs), QUEUE_PREFIX + slot)
                .get();
        }
        catch (ExecutionException e)
        {
            throw new IllegalStateException("cannot take the messages of " + slot + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public Map<String, Long> freshProcesses()
    {
        Map<String, Long> now = Map.copyOf(registry);
        processes.putAll(now);
        processes.keySet().retainAll(now.keySet());
        return now;
    }

    /** The master's side of the registry: a process is ready. */
    public static void register(HazelcastInstance member, EggProcess process)
    {
        member.<String, Long>getMap(REGISTRY).set(ClusterMessenger.slotOf(process), process.pid());
    }

    /**
     * @return the messages held for the slot of {@code role#id} in the master's member, not yet taken by its process
     */
    public static int queueDepth(HazelcastInstance member, Role role, int id)
    {
        return member.getQueue(QUEUE_PREFIX + ClusterMessenger.slotOf(new EggProcess(role, id, 0))).size();
    }

    /** The master's side of the registry: the process in this slot is gone. */
    public static void unregister(HazelcastInstance member, Role role, int id)
    {
        member.<String, Long>getMap(REGISTRY).delete(ClusterMessenger.slotOf(new EggProcess(role, id, 0)));
    }

    /**
     * The master's side of the worker count: the cluster has {@code count} worker slots, 1..count. Every agent and
     * worker hears of it (a local copy, read by each {@code sendToApp} and {@code broadcast}, which address worker
     * slots 1..count from then on; {@code workerCount()} returns it) and tells its listeners of {@code egg-pids}
     * when what they see changes. Call it once before forking the first worker, then on each scale change: on
     * scale-up before forking the new slot's worker (what is sent to the slot is held until it is ready; a slot
     * retired earlier is reopened), on scale-down before stopping the removed worker (sends stop addressing it,
     * {@code workerPids()} leaves it out), and once it has exited, {@link #retireSlot}.
     *
     * @param member the master's Hazelcast member (the one configured by {@link HazelcastSetup#member})
     * @throws IllegalArgumentException unless {@code count} is 1..{@value io.eggcluster.jetty.internal.EggConfig#MAX_WORKERS}
     */
    public static void setWorkerCount(HazelcastInstance member, int count)
    {
        checkWorkerCount(count);
        HazelcastSetup.batches(member).reopenUpTo(count);
        IMap<String, Long> workers = member.getMap(WORKERS);
        workers.set(MASTER, ProcessHandle.current().pid());
        workers.set(COUNT, (long)count);
    }

    /**
     * The master's side of a scale-down, once the removed worker has exited and the count is lower
     * ({@link #setWorkerCount}): takes everything still held in the removed worker's slot (what came after it
     * stopped receiving) and deals with it (see {@link SlotRetirement}): a {@code sendRandom} message goes to another
     * worker's slot; copies of messages to all workers and messages addressed to its pid are dropped and counted, and
     * a request's sender gets a failure. What comes for the slot later is dealt with the same way (and logged here)
     * until the count includes it again. Logs nothing itself: log the result (its {@code toString()} is one line).
     *
     * @param member the master's Hazelcast member
     * @param workerId the removed worker's slot: above the worker count
     * @return what was done, counted
     * @throws IllegalArgumentException when {@code workerId} is one of the live worker slots
     */
    public static RetiredSlot retireSlot(HazelcastInstance member, int workerId)
    {
        return SlotRetirement.retire(holds(member), workerId);
    }

    /** The holds on the master's member, and what it knows of the workers, for {@link SlotRetirement}. */
    static SlotRetirement.Holds holds(HazelcastInstance member)
    {
        Batches batches = HazelcastSetup.batches(member);
        return new SlotRetirement.Holds()
        {
            @Override
            public Batches batches()
            {
                return batches;
            }

            @Override
            public BlockingQueue<byte[]> queue(String slot)
            {
                return member.getQueue(QUEUE_PREFIX + slot);
            }

            @Override
            public int workerCount()
            {
                Long count = member.<String, Long>getMap(WORKERS).get(COUNT);
                return count == null ? 0 : (int)(long)count;
            }

            @Override
            public Map<String, Long> ready()
            {
                return Map.copyOf(member.<String, Long>getMap(REGISTRY));
            }
        };
    }
}
