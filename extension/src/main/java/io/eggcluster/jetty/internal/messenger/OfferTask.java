package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * {@link Batches#offer} run on the Hazelcast member that owns a slot's queue: the room in bytes is asked for and
 * taken where the queue is, one hand-over of the slot at a time, so the bound holds across every sender. Sent by the
 * agent's and the workers' clients as Hazelcast's {@link IdentifiedDataSerializable}: every length is checked before
 * anything is allocated for it.
 */
final class OfferTask implements Callable<Offered>, IdentifiedDataSerializable, HazelcastInstanceAware
{
    static final int CLASS_ID = 3;
    /** The longest slot name ({@code agent}, {@code worker-N}). */
    private static final int MAX_SLOT_CHARS = 64;
    /** The most frames one hand-over carries: far above a sender's batch, a bound for what is read. */
    private static final int MAX_FRAMES = 1 << 16;
    /** The largest frame: the largest message jetty.egg.maxMessageBytes allows, and its header. */
    private static final int MAX_FRAME_BYTES = (16 << 20) + Frames.HEADER;

    private String slot;
    private List<byte[]> frames;
    private transient HazelcastInstance member;

    OfferTask(String slot, List<byte[]> frames)
    {
        this.slot = slot;
        this.frames = frames;
    }

    /** For {@link ClusterTypes}. */
    OfferTask()
    {
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance member)
    {
        this.member = member;
    }

    @Override
    public Offered call()
    {
        return HazelcastSetup.batches(member).offer(member.getQueue(HazelcastTransport.QUEUE_PREFIX + slot), slot, frames);
    }

    @Override
    public int getFactoryId()
    {
        return ClusterTypes.FACTORY_ID;
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
        out.writeInt(frames.size());
        for (byte[] frame : frames)
        {
            out.writeInt(frame.length);
            out.write(frame);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException
    {
        slot = in.readString();
        int count = in.readInt();
        if (slot == null || slot.isEmpty() || slot.length() > MAX_SLOT_CHARS || count < 0 || count > MAX_FRAMES)
            throw new IOException("not a hand-over of the cluster's messages: slot " + slot + ", " + count + " frames");
        List<byte[]> read = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            int length = in.readInt();
            if (length < Frames.HEADER || length > MAX_FRAME_BYTES)
                throw new IOException("not a hand-over of the cluster's messages: a frame of " + length + " bytes");
            byte[] frame = new byte[length];
            in.readFully(frame);
            read.add(frame);
        }
        frames = read;
    }
}
