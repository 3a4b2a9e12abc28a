package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;

/**
 * What a hand-over to a slot's queue did ({@link Transport#offerAll}): how many of the messages, from the first, the
 * hold took, and when not all, which bound refused the next, for the error the sender sees. Travels from the member
 * to the sender as Hazelcast's {@link IdentifiedDataSerializable}.
 */
final class Offered extends ClusterTypes.Type
{
    static final int CLASS_ID = 4;
    private static final int MAX_REFUSAL_CHARS = 1024;

    private int accepted;
    private String refusal;

    /**
     * @param refusal which bound refused the message after the accepted ones (e.g. {@code jetty.egg.queueBytes=..});
     *                null when all were accepted
     */
    Offered(int accepted, String refusal)
    {
        super(CLASS_ID);
        this.accepted = accepted;
        this.refusal = refusal;
    }

    /** For {@link ClusterTypes}. */
    Offered()
    {
        super(CLASS_ID);
    }

    int accepted()
    {
        return accepted;
    }

    /**
     * @return which bound refused the next message, or null
     */
    String refusal()
    {
        return refusal;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException
    {
        out.writeInt(accepted);
        out.writeString(refusal);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException
    {
        accepted = in.readInt();
        refusal = in.readString();
        if (accepted < 0 || (refusal != null && refusal.length() > MAX_REFUSAL_CHARS))
            throw new IOException("not the outcome of a hand-over: " + accepted + " accepted");
    }
}
