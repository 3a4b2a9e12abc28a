package io.eggcluster.it;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stop racing a restart, a second signal, a stop before egg-ready: nothing is forked once the stop began (the
 * standby included), the master exits 0, and nothing is left running.
 */
class StopRaceIT
{
    @Test
    void aStopRightAfterKillsAndRepeatedSignalsForksNothingAndExitsZero() throws Exception
    {
        try (Cluster cluster = Cluster.start("stop-race", "jetty.egg.workers=2", "jetty.egg.standbyDelay=1000"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            cluster.awaitMasterLine(Pattern.compile("standby:\\d+ forked"), Duration.ofSeconds(30));
            Cluster.kill9(ready.workerPids().get(0));
            Cluster.kill9(ready.agentPid());
            cluster.signalMaster("TERM");
            cluster.signalMaster("TERM");
            cluster.signalMaster("INT");
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(60)), "a stop asked for exits 0");
            assertNothingForkedAfterTheStopAndNothingLeft(cluster);
        }
    }

    @Test
    void aStopBeforeEggReadyExitsZeroAndLeavesNothing() throws Exception
    {
        try (Cluster cluster = Cluster.start("stop-early", "jetty.egg.workers=2"))
        {
            cluster.awaitMasterLine(Pattern.compile("agent#0:\\d+ forked"), Duration.ofSeconds(30));
            cluster.signalMaster("TERM");
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(60)), "a stop asked for exits 0, even before egg-ready");
            assertFalse(cluster.output().contains("egg-ready in"), cluster.output());
            assertNothingForkedAfterTheStopAndNothingLeft(cluster);
        }
    }

    private static void assertNothingForkedAfterTheStopAndNothingLeft(Cluster cluster) throws InterruptedException
    {
        List<String> lines = cluster.output().lines().toList();
        int stop = -1;
        for (int i = 0; i < lines.size() && stop < 0; i++)
        {
            if (lines.get(i).matches(".*SIG(TERM|INT) received: stopping the cluster.*"))
                stop = i;
        }
        assertTrue(stop >= 0, "the stop is logged");
        for (String line : lines.subList(stop, lines.size()))
            assertFalse(!line.startsWith("[") && line.contains(" forked"), "forked after the stop began: " + line);
        assertEquals(1, lines.stream().filter(l -> l.contains("received: stopping the cluster")).count(),
            "one stop, however many signals");
        for (long pid : cluster.childPids())
        {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().completeOnTimeout(null, 10, java.util.concurrent.TimeUnit.SECONDS).join());
            assertFalse(Cluster.alive(pid), "child " + pid + " is gone");
        }
        assertTrue(cluster.master().toHandle().descendants().findAny().isEmpty(), "no descendant left");
    }
}
