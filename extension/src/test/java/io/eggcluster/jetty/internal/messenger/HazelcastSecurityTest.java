package io.eggcluster.jetty.internal.messenger;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a stranger on the host can do to the master's member: without the cluster name, not connect; with it (a
 * leak), still not make the member or a client Java-deserialize anything. The cluster's own take still works.
 */
class HazelcastSecurityTest
{
    private static final String CLUSTER = "egg-test-" + UUID.randomUUID();
    private static int port;
    private static HazelcastInstance member;
    private static HazelcastInstance client;

    /** What an attacker would send: any Serializable task (a gadget chain would be one too). */
    static final class Payload implements Callable<String>, Serializable
    {
        @Override
        public String call()
        {
            RAN.add("ran");
            return "ran";
        }
    }

    static final List<String> RAN = new ArrayList<>();

    @BeforeAll
    static void start()
    {
        port = HazelcastSetup.freePort("127.0.0.1");
        member = Hazelcast.newHazelcastInstance(HazelcastSetup.member(CLUSTER, "127.0.0.1", port, List.of(), 100, 1 << 20, 4));
        client = HazelcastClient.newHazelcastClient(HazelcastSetup.client(CLUSTER, "127.0.0.1", port, "egg-test", 10_000));
    }

    @AfterAll
    static void stop()
    {
        if (client != null)
            client.shutdown();
        if (member != null)
            member.shutdown();
    }

    @Test
    void neitherTheMemberNorAClientPutsTheClusterNameInALogLine()
    {
        // Hazelcast prefixes each of its log lines with "[address] [cluster name] [version]" unless told not to: a
        // WARN of the member (a killed child's connection reset) printed the credential for every reader of the log
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.hazelcast.logging.LogListener listener = event -> lines.add(event.getLogRecord().getMessage());
        member.getLoggingService().addLogListener(java.util.logging.Level.WARNING, listener);
        try
        {
            member.getLoggingService().getLogger(HazelcastSecurityTest.class).warning("a probe");
        }
        finally
        {
            member.getLoggingService().removeLogListener(listener);
        }
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("a probe"), lines.toString());
        assertFalse(lines.get(0).contains(CLUSTER), "the member logs the cluster name: " + lines);
        // a client's logging service takes no listener: its configuration says the same
        assertEquals("false", HazelcastSetup.client(CLUSTER, "127.0.0.1", port, "probe", 1000)
            .getProperty("hazelcast.logging.details.enabled"));
    }

    @Test
    void aClientWithAnotherClusterNameIsRefused()
    {
        ClientConfig stranger = HazelcastSetup.client("egg-guess", "127.0.0.1", port, "stranger", 1500);
        long start = System.nanoTime();
        IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> HazelcastClient.newHazelcastClient(stranger).shutdown());
        assertTrue(refused.getMessage().contains("Unable to connect"), refused.getMessage());
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 30);
    }

    @Test
    void theMemberJavaDeserializesNothing()
    {
        ExecutionException refused = assertThrows(ExecutionException.class,
            () -> client.getExecutorService(HazelcastTransport.EXECUTOR).submit(new Payload()).get(10, TimeUnit.SECONDS));
        assertTrue(String.valueOf(refused.getCause()).contains("is not allowed"), String.valueOf(refused.getCause()));
        assertTrue(RAN.isEmpty(), "the task ran");
    }

    @Test
    void aClientJavaDeserializesNothingEitherWhatAnotherClientPutInTheRegistry()
    {
        // a forged Serializable value where the clients mirror the endpoints: refused when read, not instantiated
        IMap<String, Object> endpoints = client.getMap("egg-security-test");
        endpoints.set("agent", new Payload());
        RuntimeException refused = assertThrows(RuntimeException.class, () -> endpoints.get("agent"));
        assertTrue(String.valueOf(refused).contains("is not allowed") ||
            String.valueOf(refused.getCause()).contains("is not allowed"), String.valueOf(refused));
    }

    @Test
    void theClustersOwnTakeStillWorks() throws Exception
    {
        HazelcastTransport transport = new HazelcastTransport(client);
        assertEquals(1, transport.offerAll("worker-9", List.of(Frames.frame(1, 1, new byte[] {1, 2, 3}))).accepted());
        Taken batch = transport.take("worker-9", 7, 0, 10, 1000);
        assertEquals(1, batch.frames().size());
        assertFalse(transport.take("worker-9", 7, batch.id(), 10, 10).frames().size() > 0);
    }
}
