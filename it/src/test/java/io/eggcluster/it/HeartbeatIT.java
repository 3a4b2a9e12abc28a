package io.eggcluster.it;

import java.time.Duration;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.BlockingListener;
import io.eggcluster.it.wars.FreezingListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Heartbeats from real children: a healthy cluster is never taken for stuck, and a worker whose message listener
 * never returns falls silent (its heartbeat's probe cannot pass the messenger's dispatch), says so, and is killed
 * by the master after jetty.egg.heartbeatTimeout.
 */
class HeartbeatIT
{
    @Test
    void aWorkerWhoseListenerNeverReturnsFallsSilentAndIsKilled() throws Exception
    {
        try (Cluster cluster = Cluster.start("heartbeat",
            TestWars.withListenerWar("freezing-war", FreezingListener.class, BlockingListener.class),
            "jetty.egg.workers=1", "jetty.egg.standby=false", "jetty.egg.heartbeatInterval=250",
            "jetty.egg.heartbeatTimeout=5000"))
        {
            long worker = cluster.awaitEggReady().workerPids().get(0);
            // healthy: two timeouts pass without a word about heartbeats (the timeout leaves room for a loaded
            // machine: with 15 runnable processes on 2 cores a healthy worker's probe once waited 1.2 s for a thread)
            Thread.sleep(10_000);
            assertFalse(cluster.output().contains("no heartbeat"), "no heartbeat trouble while healthy:\n" +
                String.join("\n", cluster.lastLines(20)));
            assertTrue(Cluster.alive(worker));

            assertEquals(worker, cluster.get("/freezing-war/freeze").number("pid"));
            cluster.awaitLine(Pattern.compile("freezing-war: listener blocks in " + worker), Duration.ofSeconds(10), 0,
                false);
            cluster.awaitLine(Pattern.compile("worker#1:" + worker + " sends no heartbeat: its probe has waited \\d+ ms " +
                "for the messenger's dispatch"), Duration.ofSeconds(20), 0, false);
            cluster.awaitMasterLine(Pattern.compile("worker#1:" + worker + " sent no heartbeat for \\d+ ms " +
                "\\(jetty.egg.heartbeatTimeout=5000\\)"), Duration.ofSeconds(20));
            java.util.Optional<ProcessHandle> frozen = ProcessHandle.of(worker);
            if (frozen.isPresent())
                frozen.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertFalse(Cluster.alive(worker), "the frozen worker was killed");
        }
    }
}
