package io.eggcluster.jetty.internal.messenger;

import io.eggcluster.jetty.api.EggProcess;
import org.junit.jupiter.api.BeforeEach;

/** The messenger contract on the in-JVM transport. */
class LocalMessengerTest extends MessengerContract
{
    private LocalTransport transport;

    @BeforeEach
    void newCluster()
    {
        transport = new LocalTransport(CAPACITY, BYTES);
    }

    @Override
    Transport transport(EggProcess process)
    {
        return transport;
    }

    @Override
    void register(EggProcess process)
    {
        transport.register(ClusterMessenger.slotOf(process), process.pid());
    }

    @Override
    void unregister(EggProcess process)
    {
        transport.unregister(ClusterMessenger.slotOf(process));
    }

    @Override
    void setWorkerCount(int count)
    {
        transport.setWorkerCount(count);
    }

    @Override
    RetiredSlot retireSlot(int workerId)
    {
        return transport.retireSlot(workerId);
    }
}
