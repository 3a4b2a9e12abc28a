package io.eggcluster.jetty.internal.messenger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.collection.IQueue;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.jetty.api.EggProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The messenger contract on Hazelcast, set up as in a cluster: one member (the master's), and one client per
 * process, on loopback.
 */
class HazelcastMessengerTest extends MessengerContract
{
    private static HazelcastInstance member;
    private static final Map<Long, HazelcastInstance> clients = new HashMap<>();
    private static final Map<Long, HazelcastTransport> transports = new HashMap<>();

    @BeforeAll
    static void startMember()
    {
        String cluster = "egg-test-" + UUID.randomUUID();
        int port = HazelcastSetup.freePort("127.0.0.1");
        member = Hazelcast.newHazelcastInstance(HazelcastSetup.member(cluster, "127.0.0.1", port, List.of(), CAPACITY, 8));
        for (long pid : List.of(7000L, 7001L, 7002L))
            clients.put(pid, HazelcastClient.newHazelcastClient(HazelcastSetup.client(cluster, "127.0.0.1", port,
                "egg-test-" + pid, 10_000)));
    }

    @AfterAll
    static void stopMember()
    {
        clients.values().forEach(HazelcastInstance::shutdown);
        clients.clear();
        transports.clear();
        member.shutdown();
    }

    @BeforeEach
    void emptyCluster()
    {
        for (DistributedObject object : member.getDistributedObjects())
        {
            if (object instanceof IQueue<?> queue)
                queue.clear();
        }
        member.getMap(HazelcastTransport.REGISTRY).clear();
    }

    @Override
    Transport transport(EggProcess process)
    {
        return transports.computeIfAbsent(process.pid(), pid -> new HazelcastTransport(clients.get(pid)));
    }

    @Override
    void register(EggProcess process)
    {
        HazelcastTransport.register(member, process);
    }
}
