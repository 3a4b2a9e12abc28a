package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * The cluster's own Hazelcast types, {@link IdentifiedDataSerializable} (read by their own code, never Java
 * deserialized): a take ({@link DrainTask}) and what it returns ({@link Taken}), a hand-over ({@link OfferTask}) and
 * what it did ({@link Offered}). Registered on the member and on the
 * clients (see {@link HazelcastSetup}).
 */
final class ClusterTypes
{
    /** The cluster's {@code DataSerializableFactory} id. */
    static final int FACTORY_ID = 0x4567_6701;
    /** The most frames one batch or hand-over may carry on the wire. */
    static final int MAX_FRAMES = 1 << 16;
    /** The receivers of a cluster: a task naming another slot would make the member keep a queue for it. */
    private static final java.util.regex.Pattern SLOT = java.util.regex.Pattern.compile("agent|worker-[1-9][0-9]{0,2}");
    /** The largest frame on the wire: the largest message allowed, and its header. */
    private static final int MAX_FRAME_BYTES = io.eggcluster.jetty.internal.EggConfig.MAX_MESSAGE_BYTES_LIMIT + Frames.HEADER;

    /** What every cluster type shares: the factory, and its own class id. */
    abstract static class Type implements IdentifiedDataSerializable
    {
        private final int classId;

        Type(int classId)
        {
            this.classId = classId;
        }

        @Override
        public final int getFactoryId()
        {
            return FACTORY_ID;
        }

        @Override
        public final int getClassId()
        {
            return classId;
        }
    }

    private ClusterTypes()
    {
    }

    /** The factory: only these types. */
    static IdentifiedDataSerializable create(int classId)
    {
        return switch (classId)
        {
            case DrainTask.CLASS_ID -> new DrainTask();
            case Taken.CLASS_ID -> new Taken();
            case OfferTask.CLASS_ID -> new OfferTask();
            case Offered.CLASS_ID -> new Offered();
            default -> null;
        };
    }

    /** Writes a list of frames: their count, then each as its length and bytes. */
    static void writeFrames(ObjectDataOutput out, List<byte[]> frames) throws IOException
    {
        out.writeInt(frames.size());
        for (byte[] frame : frames)
        {
            out.writeInt(frame.length);
            out.write(frame);
        }
    }

    /**
     * Reads what {@link #writeFrames} wrote, checking the count and each length before allocating.
     *
     * @param what what the frames are, for the message ({@code a batch}, {@code a hand-over})
     */
    /** @return whether {@code slot} names a receiver ({@link Transport#agentSlot}, {@link Transport#workerSlot}) */
    static boolean isSlot(String slot)
    {
        return slot != null && slot.length() <= 16 && SLOT.matcher(slot).matches();
    }

    static List<byte[]> readFrames(ObjectDataInput in, String what) throws IOException
    {
        int count = in.readInt();
        if (count < 0 || count > MAX_FRAMES)
            throw new IOException("not " + what + " of the cluster's messages: " + count + " frames");
        List<byte[]> read = new ArrayList<>(Math.min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            int length = in.readInt();
            if (length < Frames.HEADER || length > MAX_FRAME_BYTES)
                throw new IOException("not " + what + " of the cluster's messages: a frame of " + length + " bytes");
            byte[] frame = new byte[length];
            in.readFully(frame);
            read.add(frame);
        }
        return read;
    }
}
