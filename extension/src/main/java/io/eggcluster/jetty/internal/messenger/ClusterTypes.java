package io.eggcluster.jetty.internal.messenger;

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
}
