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
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        member = Hazelcast.newHazelcastInstance(HazelcastSetup.member(cluster, "127.0.0.1", port, List.of(), CAPACITY,
            BYTES, 8));
        for (long pid : List.of(7000L, 7001L, 7002L, 7003L, 7022L))
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
        // one entry at a time: a clear() is no entry event, so the processes' local copies would keep what it removed
        for (String map : List.of(HazelcastTransport.REGISTRY, HazelcastTransport.WORKERS))
            member.getMap(map).keySet().forEach(key -> member.getMap(map).delete(key));
        // nor a batch a test's process took and did not acknowledge
        member.getUserContext().put(HazelcastSetup.BATCHES, new Batches(BYTES));
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
        assertEquals(1, sender.offerAll(Transport.workerSlot(1), List.of(Frames.frame(5, 1, new byte[0]))).accepted());
        Thread.sleep(100);
        assertEquals(1, sender.offerAll(Transport.workerSlot(1), List.of(Frames.frame(5, 2, new byte[0]))).accepted());
        lost.get(10, TimeUnit.SECONDS);
        Taken taken = retry.get(10, TimeUnit.SECONDS);
        Set<Long> received = new TreeSet<>();
        while (!taken.frames().isEmpty())
        {
            taken.frames().forEach(frame -> received.add(Frames.seq(frame)));
            taken = take(taker, taken.id());
        }
        assertEquals(Set.of(1L, 2L), received);
    }

    @Test
    void theBytesASlotHoldsAreBoundedAcrossConcurrentSenders() throws Exception
    {
        member.getUserContext().put(HazelcastSetup.BATCHES, new Batches(100_000));
        List<Thread> senders = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        for (EggProcess process : List.of(agentProcess, worker1Process, worker2Process))
        {
            Transport transport = transport(process);
            senders.add(new Thread(() ->
            {
                for (int i = 0; i < 50; i++)
                {
                    try
                    {
                        accepted.addAndGet(transport.offerAll(Transport.workerSlot(2),
                            List.of(Frames.frame(process.pid(), i, new byte[984]))).accepted());
                    }
                    catch (InterruptedException e)
                    {
                        Thread.currentThread().interrupt();
                    }
                }
            }));
        }
        senders.forEach(Thread::start);
        for (Thread sender : senders)
            sender.join();
        assertEquals(100, accepted.get(), "frames of 1000 bytes accepted within 100,000 bytes, from 3 senders");
        Offered refused = transport(agentProcess).offerAll(Transport.workerSlot(2),
            List.of(Frames.frame(1, 1, new byte[984])));
        assertEquals(0, refused.accepted());
        assertEquals("jetty.egg.queueBytes=100000: 100000 bytes held, the next message has 1000", refused.refusal());
    }

    @Test
    void aSlotAddedWhileTheClusterRunsIsTakenAtOnceWhenMoreReceiversTakeThanAtStart() throws Exception
    {
        // the member was configured for 8 receivers; the cluster grew to 12 workers, each waiting in a take
        Transport transport = transport(agentProcess);
        int receivers = 12;
        List<Thread> takers = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicLong lastTaken = new java.util.concurrent.atomic.AtomicLong();
        for (int id = 1; id <= receivers; id++)
        {
            String slot = Transport.workerSlot(id);
            boolean last = id == receivers;
            Thread taker = new Thread(() ->
            {
                try
                {
                    Taken taken = transport.take(slot, 100, 0, 10, 3000);
                    if (last && !taken.frames().isEmpty())
                        lastTaken.set(System.nanoTime());
                }
                catch (InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
            });
            taker.start();
            takers.add(taker);
        }
        Thread.sleep(500);
        long sent = System.nanoTime();
        assertEquals(1, transport.offerAll(Transport.workerSlot(receivers), List.of(Frames.frame(5, 1, new byte[0])))
            .accepted());
        for (Thread taker : takers)
            taker.join(10_000);
        assertTrue(lastTaken.get() != 0, "the message was taken");
        long ms = TimeUnit.NANOSECONDS.toMillis(lastTaken.get() - sent);
        assertTrue(ms < 1000, "the take of the 12th receiver waited for another's poll to end: " + ms + " ms");
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

    @Override
    void unregister(EggProcess process)
    {
        HazelcastTransport.unregister(member, process.role(), process.workerId());
    }

    @Override
    void setWorkerCount(int count)
    {
        HazelcastTransport.setWorkerCount(member, count);
    }

    @Override
    RetiredSlot retireSlot(int workerId)
    {
        return HazelcastTransport.retireSlot(member, workerId);
    }
}
