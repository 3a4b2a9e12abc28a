package io.eggcluster.it;

import java.time.Duration;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A frozen child ({@code kill -STOP}: as a deadlock or an endless GC looks from outside) sends no heartbeat: the
 * master kills it and starts another within {@code jetty.egg.heartbeatTimeout} plus a start (issue 11).
 */
class FrozenIT
{
    private static final long INTERVAL_MS = 200;
    private static final long TIMEOUT_MS = 2000;
    /** What a busy 2-core machine may add to the master's noticing (its event loop, the log). */
    private static final long SLACK_MS = 3000;
    /**
     * How long before the freeze the master may have had the child's last heartbeat: a beat goes on the first tick
     * after its probe came through the request pool, so two beats can be two intervals apart, plus the probe's wait
     * on a worker still busy with its start (CI saw the timeout noticed 1791 ms after SIGSTOP, with 2000 ms of
     * silence by the master's clock).
     */
    private static final long LAST_BEAT_MS = 2 * INTERVAL_MS + 500;

    @Test
    void aFrozenWorkerIsKilledAndReplaced() throws Exception
    {
        try (Cluster cluster = start("frozen-worker"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long frozen = ready.workerPids().get(0);
            long other = ready.workerPids().get(1);
            long replacement = freezeAndAwaitReplacement(cluster, "worker", 1, frozen);
            // the other worker was left alone, and both serve
            assertTrue(Cluster.alive(other), "worker#2 runs");
            cluster.getFromEach("/pid", java.util.List.of(replacement, other));
        }
    }

    @Test
    void aFrozenAgentIsKilledAndRestarted() throws Exception
    {
        try (Cluster cluster = start("frozen-agent"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            freezeAndAwaitReplacement(cluster, "agent", 0, ready.agentPid());
            for (long pid : ready.workerPids())
                assertTrue(Cluster.alive(pid), "worker " + pid + " was left alone");
            assertEquals(200, cluster.get("/all-ready").status());
        }
    }

    private static Cluster start(String name) throws Exception
    {
        return Cluster.start(name, "jetty.egg.workers=2", "jetty.egg.heartbeatInterval=" + INTERVAL_MS,
            "jetty.egg.heartbeatTimeout=" + TIMEOUT_MS);
    }

    /** @return the pid of the process that took the frozen one's slot */
    private static long freezeAndAwaitReplacement(Cluster cluster, String role, int id, long frozen) throws Exception
    {
        String name = role + "#" + id;
        int mark = cluster.lineCount();
        long stoppedAt = System.currentTimeMillis();
        Cluster.signal(frozen, "STOP");
        try
        {
            Cluster.Line stuck = cluster.awaitMasterLineFrom(Cluster.STUCK, Duration.ofMillis(TIMEOUT_MS + SLACK_MS +
                10_000), mark);
            System.out.println("frozen: " + stuck.text());
            assertEquals(name + ":" + frozen, stuck.match().group(1) + "#" + stuck.match().group(2) + ":" +
                stuck.match().group(3), stuck.text());
            long silentMs = Long.parseLong(stuck.match().group(4));
            long noticedMs = stuck.millis() - stoppedAt;
            // killed for the timeout, not before: the master's silence figure, and the test's own clock
            assertTrue(silentMs >= TIMEOUT_MS, "killed after " + silentMs + " ms of silence, within the timeout");
            assertTrue(noticedMs >= TIMEOUT_MS - LAST_BEAT_MS, "noticed " + noticedMs + " ms after SIGSTOP, which " +
                "is more than " + LAST_BEAT_MS + " ms before the timeout");
            assertTrue(silentMs <= noticedMs + LAST_BEAT_MS, "a silence of " + silentMs + " ms, " + noticedMs +
                " ms after SIGSTOP");
            assertTrue(noticedMs <= TIMEOUT_MS + INTERVAL_MS + SLACK_MS, "noticed only after " + noticedMs + " ms");

            Cluster.Line replaced = cluster.awaitMasterLineFrom(Pattern.compile(name + ":(\\d+) ready in (\\d+) ms"),
                Duration.ofSeconds(90), mark);
            System.out.println("frozen: " + replaced.text());
            long replacement = Long.parseLong(replaced.match().group(1));
            assertNotEquals(frozen, replacement);
            long startMs = Long.parseLong(replaced.match().group(2));
            long tookMs = replaced.millis() - stoppedAt;
            assertTrue(tookMs <= TIMEOUT_MS + INTERVAL_MS + startMs + SLACK_MS, name + " replaced after " + tookMs +
                " ms: more than the heartbeat timeout plus its start (" + startMs + " ms)");
            ProcessHandle.of(frozen).ifPresent(p -> p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                .join());
            assertFalse(Cluster.alive(frozen), "the frozen " + name + " was killed");
            assertTrue(Cluster.alive(replacement));
            return replacement;
        }
        finally
        {
            if (Cluster.alive(frozen))
                Cluster.signal(frozen, "CONT");
        }
    }
}
