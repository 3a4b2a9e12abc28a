package io.eggcluster.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.ExitListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Children that end by themselves (Egg's suite checks a worker's process.exit): a worker that calls System.exit(0) or
 * (1) after egg-ready is replaced in its slot, and counts toward the restart limit. Also the class data sharing
 * archive's housekeeping, which needs a cluster that runs long enough to write one.
 */
class ChildExitIT
{
    @Test
    void aWorkerThatExitsByItselfIsReplacedAndCountsTowardTheLimit() throws Exception
    {
        try (Cluster cluster = Cluster.start("child-exit", base ->
        {
            TestWars.withListenerWar("exit", ExitListener.class).accept(base);
            try
            {
                Path old = Files.createDirectories(base.resolve("work/egg-cluster")).resolve("children-0123456789abcdef.jsa");
                Files.writeString(old, "an archive of an earlier launch");
            }
            catch (java.io.IOException e)
            {
                throw new java.io.UncheckedIOException(e);
            }
        }, "jetty.egg.workers=1", "jetty.egg.restartLimit=2", "jetty.egg.restartWindow=600000",
            // its standby (which writes the archive) boots 1 s after egg-ready, not 10
            "jetty.egg.standbyDelay=1000"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long worker = ready.workerPids().get(0);
            for (int code : new int[] {0, 1})
            {
                int mark = cluster.lineCount();
                assertEquals(worker, cluster.get("/exit/exit?code=" + code).number("pid"));
                cluster.awaitLine(Pattern.compile("worker#1:" + worker + " died after egg-ready: exited with exit code " +
                    code + "$"), Duration.ofSeconds(15), mark, true);
                Matcher replaced = cluster.awaitLine(Pattern.compile("worker#1:(\\d+) ready in"), Duration.ofSeconds(30),
                    mark, true);
                worker = Long.parseLong(replaced.group(1));
                assertEquals(worker, cluster.get("/pid").number("pid"), "the replacement serves in slot 1");
            }
            // the old archive goes once the new one is written (a standby is archived 5 s after it forked)
            cluster.awaitMasterLine(Pattern.compile("removed the class data sharing archive of an earlier launch: .*" +
                "children-0123456789abcdef.jsa"), Duration.ofSeconds(60));
            assertFalse(Files.exists(cluster.base().resolve("work/egg-cluster/children-0123456789abcdef.jsa")));

            cluster.get("/exit/exit?code=0");
            assertEquals(1, cluster.awaitExit(Duration.ofSeconds(30)), "a third exit is past jetty.egg.restartLimit=2");
            assertTrue(cluster.output().contains("egg-cluster failed: restart limit reached: more than 2 restarts"));
        }
    }
}
