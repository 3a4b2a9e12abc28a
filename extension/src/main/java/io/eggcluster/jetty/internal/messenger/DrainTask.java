package io.eggcluster.jetty.internal.messenger;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/**
 * {@link Batches#take} run on the Hazelcast member that owns a slot's queue: taking the batch and recording it as
 * unacknowledged happen in one place, so no crash of the taker can lose it. With {@code max} 0 it only acknowledges. Sent by the agent's and the workers'
 * clients; the member has this class too (the same extension jar).
 */
final class DrainTask implements Callable<ArrayList<byte[]>>, Serializable, HazelcastInstanceAware
{
    @Serial
    private static final long serialVersionUID = 1L;
    /**
     * The batches taken and not yet acknowledged, per cluster and slot, in the JVM of the member that owns the slot's
     * queue (every take of a slot runs there): no serialisation, no remote call.
     */
    private static final Map<String, ArrayList<byte[]>> UNACKNOWLEDGED = new ConcurrentHashMap<>();

    private final String slot;
    private final int max;
    private final long waitMs;
    private final boolean acknowledge;
    private transient HazelcastInstance member;

    DrainTask(String slot, int max, long waitMs, boolean acknowledge)
    {
        this.slot = slot;
        this.max = max;
        this.waitMs = waitMs;
        this.acknowledge = acknowledge;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance member)
    {
        this.member = member;
    }

    @Override
    public ArrayList<byte[]> call() throws InterruptedException
    {
        return Batches.take(member.getQueue(HazelcastTransport.QUEUE_PREFIX + slot), UNACKNOWLEDGED,
            member.getConfig().getClusterName() + "/" + slot, max, waitMs, acknowledge);
    }
}
