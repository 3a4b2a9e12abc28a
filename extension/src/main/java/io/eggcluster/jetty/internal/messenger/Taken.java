package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * What a take of a slot's messages returned ({@link Batches#take}): its frames, oldest first, the id the taker
 * acknowledges them with (0 when there are none), and whether the take emptied the queue, which proves that
 * everything in the queue when it began has been taken (see {@link EarlyCopies}). Travels from the member to the taker as Hazelcast's
 * {@link IdentifiedDataSerializable}, read by this class's own code.
 */
final class Taken implements IdentifiedDataSerializable
{
    static final int CLASS_ID = 2;
    /** A take that returned nothing, and found nothing in the queue. */
    static final Taken NOTHING = new Taken(0, List.of(), true);
    /** An acknowledgement, which takes nothing. */
    static final Taken NONE = new Taken(0, List.of(), false);
    /** The most frames one take returns: far above what a take asks for, a bound for what is read. */
    private static final int MAX_FRAMES = 1 << 16;
    /** The largest frame: the largest message jetty.egg.maxMessageBytes allows, and its header. */
    private static final int MAX_FRAME_BYTES = (16 << 20) + Frames.HEADER;

    private long id;
    private List<byte[]> frames;
    private boolean drained;

    Taken(long id, List<byte[]> frames, boolean drained)
    {
        this.id = id;
        this.frames = frames;
        this.drained = drained;
    }

    /** For {@link ClusterTypes}. */
    Taken()
    {
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
        out.writeLong(id);
        out.writeBoolean(drained);
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
        id = in.readLong();
        drained = in.readBoolean();
        int count = in.readInt();
        if (id < 0 || count < 0 || count > MAX_FRAMES || (count > 0) != (id > 0))
            throw new IOException("not a batch of the cluster's messages: id " + id + ", " + count + " frames");
        List<byte[]> read = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            int length = in.readInt();
            if (length < Frames.HEADER || length > MAX_FRAME_BYTES)
                throw new IOException("not a batch of the cluster's messages: a frame of " + length + " bytes");
            byte[] frame = new byte[length];
            in.readFully(frame);
            read.add(frame);
        }
        frames = read;
    }
}
