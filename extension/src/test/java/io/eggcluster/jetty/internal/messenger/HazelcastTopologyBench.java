package io.eggcluster.jetty.internal.messenger;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.collection.IQueue;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

/**
 * Why the agent and the workers join the master's member as clients rather than as (lite) members: prints, for each
 * way, the time to join a running member and the round trip of a message through two of the slot queues the
 * messenger uses (one process offers, a second polls and offers back, the first polls). Not a test; run with
 * {@code mvn -q -pl extension test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.eggcluster.jetty.internal.messenger.HazelcastTopologyBench}.
 */
public final class HazelcastTopologyBench
{
    private static final int ROUND_TRIPS = 5000;

    public static void main(String[] args) throws Exception
    {
        String cluster = "egg-bench-" + UUID.randomUUID();
        int port = HazelcastSetup.freePort("127.0.0.1");
        long t0 = System.nanoTime();
        HazelcastInstance member = Hazelcast.newHazelcastInstance(HazelcastSetup.member(cluster, "127.0.0.1", port,
            List.of(), 100_000, 64 << 20, 8));
        System.out.printf("member start: %d ms%n", ms(t0));

        run("client", () -> HazelcastClient.newHazelcastClient(HazelcastSetup.client(cluster, "127.0.0.1", port,
            "bench-" + UUID.randomUUID(), 30_000)));
        run("lite member", () ->
        {
            Config config = HazelcastSetup.member(cluster, "127.0.0.1", 0, List.of("127.0.0.1:" + port), 100_000,
                64 << 20, 8);
            config.setInstanceName("bench-" + UUID.randomUUID());
            config.getNetworkConfig().setPortAutoIncrement(true).setPort(port + 1);
            config.setLiteMember(true);
            return Hazelcast.newHazelcastInstance(config);
        });
        member.shutdown();
        System.exit(0);
    }

    private static void run(String kind, Supplier<HazelcastInstance> join) throws Exception
    {
        long t0 = System.nanoTime();
        HazelcastInstance a = join.get();
        long joinA = ms(t0);
        t0 = System.nanoTime();
        HazelcastInstance b = join.get();
        long joinB = ms(t0);
        IQueue<byte[]> ping = a.getQueue(HazelcastTransport.QUEUE_PREFIX + kind.replace(' ', '-') + "-ping");
        IQueue<byte[]> pong = a.getQueue(HazelcastTransport.QUEUE_PREFIX + kind.replace(' ', '-') + "-pong");
        IQueue<byte[]> bPing = b.getQueue(ping.getName());
        IQueue<byte[]> bPong = b.getQueue(pong.getName());
        Thread echo = new Thread(() ->
        {
            try
            {
                for (int i = 0; i < ROUND_TRIPS + 1000; i++)
                    bPong.offer(bPing.take());
            }
            catch (InterruptedException ignored)
            {
                // done
            }
        });
        echo.start();
        byte[] message = new byte[64];
        long[] micros = new long[ROUND_TRIPS];
        for (int i = 0; i < ROUND_TRIPS + 1000; i++)
        {
            long t = System.nanoTime();
            ping.offer(message);
            pong.poll(10, TimeUnit.SECONDS);
            if (i >= 1000)
                micros[i - 1000] = (System.nanoTime() - t) / 1000;
        }
        echo.join();
        Arrays.sort(micros);
        System.out.printf("%-12s join: %d ms (first), %d ms (second); queue round trip over %d: p50 %d us, p99 %d us%n",
            kind, joinA, joinB, ROUND_TRIPS, micros[ROUND_TRIPS / 2], micros[ROUND_TRIPS * 99 / 100]);
        a.shutdown();
        b.shutdown();
    }

    private static long ms(long since)
    {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }
}
