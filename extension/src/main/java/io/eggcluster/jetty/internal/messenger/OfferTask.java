package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

/**
 * {@link Batches#offer} run on the Hazelcast member that owns a slot's queue: the room in bytes is asked for and
 * taken where the queue is, one hand-over of the slot at a time, so the bound holds across every sender. Sent by the
 * agent's and the workers' clients as Hazelcast's {@link IdentifiedDataSerializable}: every length is checked before
 * anything is allocated for it.
 */
final class OfferTask extends ClusterTypes.Type implements Callable<Offered>, HazelcastInstanceAware
{
    static final int CLASS_ID = 3;

    private String slot;
    private List<byte[]> frames;
    private transient HazelcastInstance member;

    OfferTask(String slot, List<byte[]> frames)
    {
        super(CLASS_ID);
        this.slot = slot;
        this.frames = frames;
    }

    /** For {@link ClusterTypes}. */
    OfferTask()
    {
        super(CLASS_ID);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance member)
    {
        this.member = member;
    }

    /**
     * @return what the hold took; for a retired slot, all of it: the frames were dealt with as at its retirement
     * ({@link SlotRetirement#late})
     */
    @Override
    public Offered call()
    {
        Offered offered = HazelcastSetup.batches(member).offer(member.getQueue(HazelcastTransport.QUEUE_PREFIX + slot),
            slot, frames);
        if (offered != Batches.RETIRED)
            return offered;
        SlotRetirement.late(HazelcastTransport.holds(member), slot, frames);
        return new Offered(frames.size(), null);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException
    {
        out.writeString(slot);
        ClusterTypes.writeFrames(out, frames);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException
    {
        slot = in.readString();
        if (!ClusterTypes.isSlot(slot))
            throw new IOException("not a hand-over of the cluster's messages: no such slot");
        frames = ClusterTypes.readFrames(in, "a hand-over");
    }
}
