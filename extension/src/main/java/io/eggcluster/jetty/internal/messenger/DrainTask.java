package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * {@link Batches#take} run on the Hazelcast member that owns a slot's queue: taking the batch and recording it as
 * unacknowledged happen in one place, so no crash of the taker can lose it. With {@code max} 0 it only acknowledges.
 * Sent by the agent's and the workers' clients; the member has this class too (the same extension jar). It travels
 * as Hazelcast's {@link IdentifiedDataSerializable} (four fields, read by this class's own code), never as a Java
 * serialized object: the member does not Java-deserialize anything (see {@link HazelcastSetup}).
 */
final class DrainTask implements Callable<ArrayList<byte[]>>, IdentifiedDataSerializable, HazelcastInstanceAware
{
    /** The cluster's {@code DataSerializableFactory} id (registered on the member and the clients). */
    static final int FACTORY_ID = 0x4567_6701;
    static final int CLASS_ID = 1;
    /** The longest slot name a take may name ({@code agent}, {@code worker-N}). */
    private static final int MAX_SLOT_CHARS = 64;
    /**
     * The batches taken and not yet acknowledged, per cluster and slot, in the JVM of the member that owns the slot's
     * queue (every take of a slot runs there): no serialisation, no remote call.
     */
    private static final Map<String, ArrayList<byte[]>> UNACKNOWLEDGED = new ConcurrentHashMap<>();

    private String slot;
    private int max;
    private long waitMs;
    private boolean acknowledge;
    private transient HazelcastInstance member;

    DrainTask(String slot, int max, long waitMs, boolean acknowledge)
    {
        this.slot = slot;
        this.max = max;
        this.waitMs = waitMs;
        this.acknowledge = acknowledge;
    }

    private DrainTask()
    {
    }

    /** The factory of the cluster's own Hazelcast types: only this one. */
    static IdentifiedDataSerializable create(int classId)
    {
        return classId == CLASS_ID ? new DrainTask() : null;
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

    @Override
    public int getFactoryId()
    {
        return FACTORY_ID;
    }

    @Override
    public int getClassId()
    {
        return CLASS_ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException
    {
        out.writeString(slot);
        out.writeInt(max);
        out.writeLong(waitMs);
        out.writeBoolean(acknowledge);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException
    {
        slot = in.readString();
        max = in.readInt();
        waitMs = in.readLong();
        acknowledge = in.readBoolean();
        if (slot == null || slot.isEmpty() || slot.length() > MAX_SLOT_CHARS || max < 0 || max > 1 << 16 ||
            waitMs < 0 || waitMs > 60_000)
            throw new IOException("not a take of the cluster's messages: slot " + slot + ", max " + max + ", wait " +
                waitMs + " ms");
    }
}
