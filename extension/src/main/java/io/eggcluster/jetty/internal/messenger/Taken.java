package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * What a take of a slot's messages returned ({@link Batches#take}): its frames, oldest first, and the id the taker
 * acknowledges them with (0 when there are none). Travels from the member to the taker as Hazelcast's
 * {@link IdentifiedDataSerializable}, read by this class's own code.
 */
final class Taken implements IdentifiedDataSerializable
{
    static final int CLASS_ID = 2;
    /** A take that returned nothing. */
    static final Taken NONE = new Taken(0, List.of());
    /** The most frames one take returns: far above what a take asks for, a bound for what is read. */
    private static final int MAX_FRAMES = 1 << 16;

    private long id;
    private List<byte[]> frames;

    Taken(long id, List<byte[]> frames)
    {
        this.id = id;
        this.frames = frames;
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
        out.writeInt(frames.size());
        for (byte[] frame : frames)
            out.writeByteArray(frame);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException
    {
        id = in.readLong();
        int count = in.readInt();
        if (id < 0 || count < 0 || count > MAX_FRAMES || (count > 0) != (id > 0))
            throw new IOException("not a batch of the cluster's messages: id " + id + ", " + count + " frames");
        List<byte[]> read = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            byte[] frame = in.readByteArray();
            if (frame == null)
                throw new IOException("not a batch of the cluster's messages: frame " + i + " is null");
            read.add(frame);
        }
        frames = read;
    }
}
