package io.eggcluster.jetty.internal.messenger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.collection.IQueue;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.jetty.api.EggProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        // nor a batch a test's process took and did not acknowledge
        member.getUserContext().put(HazelcastSetup.BATCHES, new Batches());
    }

    @Test
    void twoTakesOfOneSlotAtOnceOnTheMemberLoseNothing() throws Exception
    {
        Transport taker = transport(worker1Process);
        Transport sender = transport(agentProcess);
        // the first take's answer is lost (it failed on the taker's side) while it still polls on the member, and
        // the taker retries
        CompletableFuture<Taken> lost = CompletableFuture.supplyAsync(() -> take(taker, 0));
        Thread.sleep(200);
        CompletableFuture<Taken> retry = CompletableFuture.supplyAsync(() -> take(taker, 0));
        Thread.sleep(200);
        assertEquals(1, sender.offerAll(Transport.workerSlot(1), List.of(new byte[] {1})));
        Thread.sleep(100);
        assertEquals(1, sender.offerAll(Transport.workerSlot(1), List.of(new byte[] {2})));
        lost.get(10, TimeUnit.SECONDS);
        Taken taken = retry.get(10, TimeUnit.SECONDS);
        Set<Byte> received = new TreeSet<>();
        while (!taken.frames().isEmpty())
        {
            taken.frames().forEach(frame -> received.add(frame[0]));
            taken = take(taker, taken.id());
        }
        assertEquals(Set.of((byte)1, (byte)2), received);
    }

    private static Taken take(Transport transport, long acknowledged)
    {
        try
        {
            return transport.take(Transport.workerSlot(1), 77, acknowledged, 10, acknowledged == 0 ? 2000 : 200);
        }
        catch (InterruptedException e)
        {
            throw new IllegalStateException(e);
        }
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
