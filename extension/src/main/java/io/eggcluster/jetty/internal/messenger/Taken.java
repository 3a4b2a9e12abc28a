package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.List;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

/**
 * What a take of a slot's messages returned ({@link Batches#take}): its frames, oldest first, the id the taker
 * acknowledges them with (0 when there are none), and whether the take emptied the queue, which proves that
 * everything in the queue when it began has been taken (see {@link EarlyCopies}). Travels from the member to the taker as Hazelcast's
 * {@link IdentifiedDataSerializable}, read by this class's own code.
 */
final class Taken extends ClusterTypes.Type
{
    static final int CLASS_ID = 2;
    /** A take that returned nothing, and found nothing in the queue. */
    static final Taken NOTHING = new Taken(0, List.of(), true);
    /** An acknowledgement, which takes nothing. */
    static final Taken NONE = new Taken(0, List.of(), false);

    private long id;
    private List<byte[]> frames;
    private boolean drained;

    Taken(long id, List<byte[]> frames, boolean drained)
    {
        super(CLASS_ID);
        this.id = id;
        this.frames = frames;
        this.drained = drained;
    }

    /** For {@link ClusterTypes}. */
    Taken()
    {
        super(CLASS_ID);
    }

    long id()
    {
        return id;
    }

    List<byte[]> frames()
    {
        return frames;
    }

    /**
     * @return whether the take left the queue empty: what was in it when the take began has all been taken, by this
     * take or before (false when unknown, e.g. a batch given again)
     */
    boolean drained()
    {
        return drained;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException
    {
        out.writeLong(id);
        out.writeBoolean(drained);
        ClusterTypes.writeFrames(out, frames);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException
    {
        id = in.readLong();
        drained = in.readBoolean();
        if (id < 0)
            throw new IOException("not a batch of the cluster's messages: id " + id);
        frames = ClusterTypes.readFrames(in, "a batch");
        if (frames.isEmpty() != (id == 0))
            throw new IOException("not a batch of the cluster's messages: id " + id + ", " + frames.size() + " frames");
    }
}
