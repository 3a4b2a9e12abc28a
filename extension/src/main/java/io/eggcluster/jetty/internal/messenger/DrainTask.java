package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

/**
 * {@link Batches#take} run on the Hazelcast member that owns a slot's queue: taking the batch and recording it as
 * unacknowledged happen in one place, so no crash of the taker can lose it. With {@code max} 0 it only acknowledges.
 * Sent by the agent's and the workers' clients; the member has this class too (the same extension jar). It travels
 * as Hazelcast's {@link IdentifiedDataSerializable} (five fields, read by this class's own code), never as a Java
 * serialized object: the member does not Java-deserialize anything (see {@link HazelcastSetup}).
 */
final class DrainTask extends ClusterTypes.Type implements Callable<Taken>, HazelcastInstanceAware
{
    static final int CLASS_ID = 1;

    private String slot;
    private long taker;
    private long acknowledged;
    private int max;
    private long waitMs;
    private transient HazelcastInstance member;

    /** See {@link Batches#take} for the parameters. */
    DrainTask(String slot, long taker, long acknowledged, int max, long waitMs)
    {
        super(CLASS_ID);
        this.slot = slot;
        this.taker = taker;
        this.acknowledged = acknowledged;
        this.max = max;
        this.waitMs = waitMs;
    }

    /** For {@link ClusterTypes}. */
    DrainTask()
    {
        super(CLASS_ID);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance member)
    {
        this.member = member;
    }

    @Override
    public Taken call() throws InterruptedException
    {
        return HazelcastSetup.batches(member).take(member.getQueue(HazelcastTransport.QUEUE_PREFIX + slot), slot,
            taker, acknowledged, max, waitMs);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException
    {
        out.writeString(slot);
        out.writeLong(taker);
        out.writeLong(acknowledged);
        out.writeInt(max);
        out.writeLong(waitMs);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException
    {
        slot = in.readString();
        taker = in.readLong();
        acknowledged = in.readLong();
        max = in.readInt();
        waitMs = in.readLong();
        if (!ClusterTypes.isSlot(slot) || acknowledged < 0 || max < 0 || max > ClusterTypes.MAX_FRAMES || waitMs < 0 ||
            waitMs > 60_000)
            throw new IOException("not a take of the cluster's messages: slot " + (ClusterTypes.isSlot(slot) ? slot :
                "(no such slot)") + ", acknowledged " + acknowledged + ", max " + max + ", wait " + waitMs + " ms");
    }
}
