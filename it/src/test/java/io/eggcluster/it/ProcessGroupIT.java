package io.eggcluster.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.SpawnListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each child leads a process group of its own: a signal to the master's whole group (Ctrl-C in a terminal) still
 * stops the workers before the agent, and what a webapp started ends with its worker, however the cluster ends.
 */
class ProcessGroupIT
{
    @Test
    void aSigintToTheWholeGroupStopsTheWorkersBeforeTheAgent() throws Exception
    {
        groupSignalKeepsTheStopOrder("INT");
    }

    @Test
    void aSigtermToTheWholeGroupStopsTheWorkersBeforeTheAgent() throws Exception
    {
        groupSignalKeepsTheStopOrder("TERM");
    }

    private static void groupSignalKeepsTheStopOrder(String signal) throws Exception
    {
        try (Cluster cluster = Cluster.start("group-" + signal, "jetty.egg.workers=2", "jetty.egg.standby=false"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + cluster.master().pid()).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(30)), "the master exits 0");
            List<String> lines = cluster.output().lines().toList();
            int agentStopped = indexOf(lines, "[agent#0:" + ready.agentPid() + "] .*Stopped oejs.Server@");
            for (long worker : ready.workerPids())
            {
                int workerStopped = indexOf(lines, "^\\S+ \\S+:INFO :iejim.Master:.*worker#\\d:" + worker + " stopped");
                assertTrue(workerStopped < agentStopped, "worker " + worker + " stopped (line " + workerStopped +
                    ") before the agent did (line " + agentStopped + "):\n" + String.join("\n", lines));
            }
            for (long pid : cluster.childPids())
                assertTrue(!Cluster.alive(pid), "child " + pid + " is gone");
        }
    }

    private static int indexOf(List<String> lines, String regex)
    {
        Pattern pattern = Pattern.compile(regex.startsWith("[") ? Pattern.quote(regex.substring(0, regex.indexOf("] ") + 2)) +
            regex.substring(regex.indexOf("] ") + 2) : regex);
        for (int i = 0; i < lines.size(); i++)
        {
            if (pattern.matcher(lines.get(i)).find())
                return i;
        }
        throw new AssertionError("no line matching /" + pattern + "/:\n" + String.join("\n", lines));
    }

    @Test
    void whatAWebappStartedEndsWhenTheClusterStops() throws Exception
    {
        webappProcessesEndWith(cluster -> cluster.signalMaster("TERM"), "a graceful stop");
    }

    @Test
    void whatAWebappStartedEndsWhenTheMasterIsKilled() throws Exception
    {
        webappProcessesEndWith(cluster -> Cluster.kill9(cluster.master().pid()), "a SIGKILL of the master");
    }

    interface Ending
    {
        void end(Cluster cluster) throws Exception;
    }

    private static void webappProcessesEndWith(Ending ending, String how) throws Exception
    {
        long plain = 0;
        long stubborn = 0;
        try (Cluster cluster = Cluster.start("spawn", TestWars.withListenerWar("spawn", SpawnListener.class),
            "jetty.egg.workers=1", "jetty.egg.standby=false", "jetty.egg.stopTimeout=2000"))
        {
            cluster.awaitEggReady();
            Cluster.Response spawned = cluster.get("/spawn/spawn");
            assertEquals(200, spawned.status(), spawned.body());
            plain = spawned.number("plain");
            stubborn = spawned.number("stubborn");
            assertTrue(Cluster.alive(plain) && Cluster.alive(stubborn));
            ending.end(cluster);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while ((Cluster.alive(plain) || Cluster.alive(stubborn)) && System.nanoTime() < deadline)
                Thread.sleep(100);
            assertTrue(!Cluster.alive(plain), "the webapp's sleep ended with " + how);
            assertTrue(!Cluster.alive(stubborn), "the webapp's TERM-ignoring shell ended with " + how);
        }
        finally
        {
            Cluster.kill9(plain);
            Cluster.kill9(stubborn);
        }
    }
}
