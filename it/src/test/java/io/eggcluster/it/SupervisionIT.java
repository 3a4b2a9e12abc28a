package io.eggcluster.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** After egg-ready: dead children are replaced, within the restart limit. */
class SupervisionIT
{
    @Test
    void aKilledWorkerIsReplacedInItsSlotWhileTheOtherKeepsServing() throws Exception
    {
        try (Cluster cluster = Cluster.start("kill-worker", "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long victim = ready.workerPids().get(0);
            long survivor = ready.workerPids().get(1);
            int mark = cluster.lineCount();

            Cluster.kill9(victim);
            ProcessHandle.of(victim).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
            long killedAt = System.nanoTime();

            long replacement = -1;
            int bySurvivor = 0;
            while (replacement < 0)
            {
                assertTrue(System.nanoTime() - killedAt < TimeUnit.SECONDS.toNanos(10),
                    "no replacement for worker#1 served within 10 s; last lines:\n" + String.join("\n", cluster.lastLines(20)));
                Cluster.Response response = cluster.get("/pid");
                assertEquals(200, response.status(), "every request is served meanwhile: " + response.body());
                long pid = response.number("pid");
                if (pid == survivor)
                    bySurvivor++;
                else
                {
                    assertNotEquals(victim, pid, "the killed worker cannot answer");
                    assertEquals(1, response.number("workerId"), "the replacement takes slot 1");
                    replacement = pid;
                }
            }
            assertTrue(bySurvivor > 0, "worker#2 served while worker#1 was replaced");
            Matcher died = cluster.awaitLine(Pattern.compile("worker#1:" + victim +
                " died after egg-ready: exited with exit code 137 \\(SIGKILL\\)"), Duration.ofSeconds(10), mark, true);
            assertTrue(died.find(0));
            cluster.awaitLine(Pattern.compile("worker#1:" + replacement + " ready in \\d+ ms"), Duration.ofSeconds(10), mark, true);
        }
    }

    @Test
    void aKilledAgentIsRestarted() throws Exception
    {
        try (Cluster cluster = Cluster.start("kill-agent", "jetty.egg.workers=1"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            int mark = cluster.lineCount();
            Cluster.kill9(ready.agentPid());
            cluster.awaitLine(Pattern.compile("agent#0:" + ready.agentPid() + " died after egg-ready: exited with " +
                "exit code 137 \\(SIGKILL\\)"), Duration.ofSeconds(10), mark, true);
            Matcher restarted = cluster.awaitLine(Pattern.compile("agent#0:(\\d+) ready in \\d+ ms"),
                Duration.ofSeconds(30), mark, true);
            long agent = Long.parseLong(restarted.group(1));
            assertNotEquals(ready.agentPid(), agent);
            assertTrue(Cluster.alive(agent), "the new agent runs");
            assertEquals(200, cluster.get("/pid").status(), "the worker kept serving");
        }
    }

    @Test
    void goingPastTheRestartLimitStopsTheClusterWithANonZeroExit() throws Exception
    {
        try (Cluster cluster = Cluster.start("restart-limit", "jetty.egg.workers=1", "jetty.egg.restartLimit=1",
            "jetty.egg.restartWindow=600000"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            int mark = cluster.lineCount();
            Cluster.kill9(ready.workerPids().get(0));
            Matcher replaced = cluster.awaitLine(Pattern.compile("worker#1:(\\d+) ready in \\d+ ms"),
                Duration.ofSeconds(30), mark, true);
            Cluster.kill9(Long.parseLong(replaced.group(1)));
            assertEquals(1, cluster.awaitExit(Duration.ofSeconds(30)));
            cluster.awaitLine(Pattern.compile("egg-cluster failed: restart limit reached: more than 1 restarts within " +
                "600000 ms"), Duration.ZERO, mark, true);
            for (long pid : cluster.childPids())
                assertTrue(!Cluster.alive(pid), "child " + pid + " is gone");
        }
    }
}
