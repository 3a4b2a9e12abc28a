package io.eggcluster.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.BlockingListener;
import io.eggcluster.it.wars.StuckOnStopListener;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stopping the master: gracefully on TERM/INT; by itself, with no orphans, on KILL. */
class StopIT
{
    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void aSignalToTheMasterStopsEveryProcessAndExitsZero(String signal) throws Exception
    {
        try (Cluster cluster = Cluster.start("sig" + signal.toLowerCase(), "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            Set<Long> children = cluster.childPids();
            assertEquals(3, children.size(), "agent and two workers: " + children);

            cluster.signalMaster(signal);
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(30)), "exit code of the master");
            for (long pid : children)
                assertFalse(Cluster.alive(pid), "child " + pid + " is gone after the master exited");
            String output = cluster.output();
            int workersStopped = output.indexOf("stopping [worker#1:" + ready.workerPids().get(0));
            int agentStopped = output.indexOf("stopping [agent#0:" + ready.agentPid());
            assertTrue(workersStopped >= 0 && agentStopped > workersStopped, "workers stop before the agent");
        }
    }

    @Test
    void aRequestInFlightWhenTheMasterIsToldToStopStillCompletes() throws Exception
    {
        try (Cluster cluster = Cluster.start("graceful", "jetty.egg.workers=1", "jetty.egg.stopTimeout=10000"))
        {
            cluster.awaitEggReady();
            CompletableFuture<Cluster.Response> slow = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return cluster.get("/slow?ms=2000");
                }
                catch (IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            });
            cluster.awaitLine(Pattern.compile("slow request started: sleeping 2000 ms"), Duration.ofSeconds(10), 0, false);
            cluster.signalMaster("TERM");

            Cluster.Response response = slow.get(20, TimeUnit.SECONDS);
            assertEquals(200, response.status(), response.body());
            assertEquals(2000, response.number("sleptMs"));
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aWorkerThatDoesNotStopInTimeIsKilled() throws Exception
    {
        try (Cluster cluster = Cluster.start("stuck-on-stop",
            TestWars.withListenerWar("stuck-war", StuckOnStopListener.class, BlockingListener.class),
            "jetty.egg.workers=1", "jetty.egg.stopTimeout=2000"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long worker = ready.workerPids().get(0);
            cluster.signalMaster("TERM");
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(30)));
            cluster.awaitMasterLine(Pattern.compile("worker#1:" + worker +
                " did not stop within 2000 ms \\(jetty.egg.stopTimeout\\): killing it"), Duration.ZERO);
            assertFalse(Cluster.alive(worker));
        }
    }

    @Test
    void killingTheMasterLeavesNoOrphans() throws Exception
    {
        try (Cluster cluster = Cluster.start("sigkill", "jetty.egg.workers=2"))
        {
            cluster.awaitEggReady();
            Set<Long> children = cluster.childPids();
            assertEquals(3, children.size(), "agent and two workers: " + children);

            cluster.signalMaster("KILL");
            long killedAt = System.nanoTime();
            cluster.awaitExit(Duration.ofSeconds(5));
            for (long pid : children)
            {
                long left = TimeUnit.SECONDS.toNanos(5) - (System.nanoTime() - killedAt);
                ProcessHandle.of(pid).ifPresent(p -> p.onExit().completeOnTimeout(null, Math.max(0, left),
                    TimeUnit.NANOSECONDS).join());
                assertFalse(Cluster.alive(pid), () -> "child " + pid + " still runs 5 s after the master was killed: " +
                    Cluster.describe(pid));
            }
        }
    }
}
