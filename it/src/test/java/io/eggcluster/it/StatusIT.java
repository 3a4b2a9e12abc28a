package io.eggcluster.it;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.eclipse.jetty.util.ajax.JSON;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status the control socket serves (issue 12) against a running cluster: one row per process with the pids of
 * the egg-ready line, the figures the workers report (requests and messages, counted), /proc's memory and CPU, and a
 * killed worker's restart and exit.
 */
class StatusIT
{
    @Test
    void rowsAndFiguresFollowTheCluster() throws Exception
    {
        try (Cluster cluster = Cluster.start("status", "jetty.egg.workers=2", "jetty.egg.heartbeatInterval=200",
            "jetty.egg.heartbeatTimeout=5000"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            Path socket = cluster.base().resolve("work/egg-cluster/admin.sock");
            Map<String, Map<?, ?>> rows = rows(ask(socket));
            assertEquals(List.of("master", "agent#0", "worker#1", "worker#2"), new ArrayList<>(rows.keySet()));
            assertEquals(cluster.master().pid(), rows.get("master").get("pid"));
            assertEquals(ready.agentPid(), rows.get("agent#0").get("pid"));
            assertEquals(ready.workerPids().get(0), rows.get("worker#1").get("pid"));
            assertEquals(ready.workerPids().get(1), rows.get("worker#2").get("pid"));
            for (Map<?, ?> row : rows.values())
            {
                assertEquals("ready", row.get("state"), row.toString());
                assertTrue(((Number)row.get("rssBytes")).longValue() > 10 << 20, "resident memory: " + row);
                assertTrue(((Number)row.get("cpuSeconds")).doubleValue() > 0, "CPU time: " + row);
                assertEquals(0L, row.get("restarts"), row.toString());
            }

            // 10 requests that each send a message to every worker (sendToApp: 2 copies), then 30 plain ones
            for (int i = 0; i < 10; i++)
                assertEquals(204, cluster.request("POST", "/probe/send?pattern=sendToApp&tag=status", "").status());
            for (int i = 0; i < 30; i++)
                assertEquals(200, cluster.request("GET", "/pid", null).status());
            Map<?, ?> cluster1 = await(socket, status ->
                sum(rows(status), "worker#", "requests") >= 40 && sum(rows(status), "worker#", "messagesReceived") >= 20,
                "40 requests and 20 messages counted");
            Map<String, Map<?, ?>> after = rows(cluster1);
            System.out.println("status: " + after);
            assertEquals(40, sum(after, "worker#", "requests"), "each request counted once: " + after);
            assertTrue(sum(after, "worker#", "messagesSent") >= 20, "the workers sent the 20 copies: " + after);
            for (String worker : List.of("worker#1", "worker#2"))
            {
                assertEquals(0L, after.get(worker).get("inFlight"), after.toString());
                assertTrue(((Number)after.get(worker).get("heapUsedBytes")).longValue() > 0, after.toString());
                assertTrue(((Number)after.get(worker).get("lastHeartbeatMsAgo")).longValue() < 5000, after.toString());
                assertEquals(0L, after.get(worker).get("queueDepth"), after.toString());
            }
            assertNull(after.get("agent#0").get("requests"), "the agent serves no requests");
            assertNotNull(after.get("agent#0").get("messagesReceived"));

            long victim = ready.workerPids().get(0);
            Cluster.kill9(victim);
            Map<?, ?> replaced = await(socket, status ->
            {
                Map<?, ?> row = rows(status).get("worker#1");
                return row != null && "ready".equals(row.get("state")) && !Long.valueOf(victim).equals(row.get("pid"));
            }, "worker#1 replaced");
            Map<?, ?> row = rows(replaced).get("worker#1");
            assertEquals(1L, row.get("restarts"), row.toString());
            assertTrue(String.valueOf(row.get("lastExit")).contains("worker#1:" + victim + " exited with exit code 137 " +
                "(SIGKILL)"), row.toString());
            assertEquals(0L, rows(replaced).get("worker#2").get("restarts"));
        }
    }

    private static long sum(Map<String, Map<?, ?>> rows, String prefix, String figure)
    {
        return rows.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
            .map(e -> e.getValue().get(figure)).filter(v -> v != null).mapToLong(v -> ((Number)v).longValue()).sum();
    }

    private static Map<?, ?> await(Path socket, Predicate<Map<?, ?>> condition, String what) throws Exception
    {
        long deadline = System.nanoTime() + 60_000_000_000L;
        Map<?, ?> status = null;
        while (System.nanoTime() < deadline)
        {
            status = ask(socket);
            if (condition.test(status))
                return status;
            Thread.sleep(100);
        }
        throw new AssertionError("no status with " + what + " within 60 s; last: " + status);
    }

    /** @return the rows by process name, in the status's order */
    static Map<String, Map<?, ?>> rows(Map<?, ?> status)
    {
        Map<String, Map<?, ?>> rows = new java.util.LinkedHashMap<>();
        for (Object row : (Object[])status.get("processes"))
            rows.put((String)((Map<?, ?>)row).get("name"), (Map<?, ?>)row);
        return rows;
    }

    /** @return the status the control socket answers */
    static Map<?, ?> ask(Path socket) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket)))
        {
            channel.write(ByteBuffer.wrap("{\"command\":\"status\"}\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (channel.read(buffer) >= 0 && buffer.hasRemaining())
            {
                // until the server closes
            }
            Map<?, ?> answer = (Map<?, ?>)new JSON().fromJSON(new String(buffer.array(), 0, buffer.position(),
                StandardCharsets.UTF_8).trim());
            assertEquals(true, answer.get("ok"), answer.toString());
            return (Map<?, ?>)answer.get("status");
        }
    }
}
