package io.eggcluster.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.eggcluster.it.wars.WorkerCountListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTTIN adds a worker, SIGTTOU removes the highest one, draining it (issue 11, as Gunicorn and Puma); apps see the
 * count in {@code Messenger.workerCount()}.
 */
class ScaleIT
{
    @Test
    void twoToThreeToTwoWorkersUnderLoadWithoutAFailedRequest() throws Exception
    {
        try (Cluster cluster = Cluster.start("scale", TestWars.withListenerWar("count", WorkerCountListener.class),
            "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            assertCounts(cluster, ready.workerPids(), 2);
            LoadClient load = LoadClient.start(LoadClient.Options.keepAlive(cluster.port(), 8).rate(500));
            try
            {
                assertTrue(load.awaitOk(load.snapshot(), 100, 30_000), "load: " + load.snapshot());

                int mark = cluster.lineCount();
                cluster.signalMaster("TTIN");
                Cluster.Line added = cluster.awaitMasterLineFrom(Cluster.ADDED, Duration.ofSeconds(120), mark);
                System.out.println("scale: " + added.text());
                assertEquals("3", added.match().group(1), added.text());
                assertEquals("3", added.match().group(3), added.text());
                long third = Long.parseLong(added.match().group(2));
                List<Long> three = new ArrayList<>(ready.workerPids());
                three.add(third);
                assertEquals(Map.of(1, three.get(0), 2, three.get(1), 3, third), Cluster.workers(added.match().group(4)));
                assertCounts(cluster, three, 3);
                // the apps were told: the workers that were there got egg-pids with the three pids
                assertTold(cluster, ready.workerPids(), three);
                assertTrue(load.awaitOk(load.snapshot(), 100, 20_000), "load with 3 workers");
                // keep-alive clients of worker#3, whose drain SIGTTOU must do without failing them
                LoadClient later = LoadClient.start(LoadClient.Options.keepAlive(cluster.port(), 24).rate(600));
                try
                {
                    assertTrue(later.awaitOk(later.snapshot(), 200, 20_000), "later load: " + later.snapshot());
                    int held = Cluster.establishedConnections(third, cluster.port());
                    assertTrue(held > 0, "worker#3 got none of 24 new connections");

                    mark = cluster.lineCount();
                    cluster.signalMaster("TTOU");
                    Cluster.Line removed = cluster.awaitMasterLineFrom(Cluster.REMOVED, Duration.ofSeconds(60), mark);
                    System.out.println("scale: " + removed.text());
                    assertEquals("3", removed.match().group(1), removed.text());
                    assertEquals("2", removed.match().group(2), removed.text());
                    assertEquals(Map.of(1, three.get(0), 2, three.get(1)), Cluster.workers(removed.match().group(3)));
                    assertFalse(Cluster.alive(third), "worker#3 " + third + " is gone");
                    assertTrue(cluster.masterLines(Cluster.DIED, mark).isEmpty(), "worker#3 stopped, not died: " +
                        cluster.output());
                    assertTrue(later.awaitOk(later.snapshot(), 200, 20_000), "later load after the removal");
                    LoadClient.Counts counts = later.stop();
                    System.out.println("scale: worker#3 held " + held + " keep-alive connections; " + counts);
                    assertEquals(0, counts.failed(), () -> "keep-alive requests failed: " + counts + "\n" +
                        String.join("\n", later.failures()));
                    assertTrue(counts.connClose() + counts.idleClosed() >= held, "each of worker#3's " + held +
                        " connections was closed cleanly by its drain: " + counts);
                }
                finally
                {
                    later.stop();
                }
                assertCounts(cluster, ready.workerPids(), 2);
                assertTold(cluster, ready.workerPids(), ready.workerPids());
                assertTrue(load.awaitOk(load.snapshot(), 100, 20_000), "load with 2 workers again");

                LoadClient.Counts counts = load.stop();
                System.out.println("scale: keep-alive " + counts);
                assertEquals(0, counts.failed(), () -> "keep-alive requests failed: " + counts + "\n" +
                    String.join("\n", load.failures()));
            }
            finally
            {
                load.stop();
            }
        }
    }

    /**
     * Each of {@code pids} answers, and within 15 s the last {@code egg-pids} event each got carries {@code expected}
     * (the ready workers' pids by workerId).
     */
    private static void assertTold(Cluster cluster, List<Long> pids, List<Long> expected) throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true)
        {
            Map<Long, Cluster.Response> answers = cluster.getFromEach("/count/workers", pids);
            if (answers.values().stream().allMatch(a -> a.body().contains("\"eggPids\":" + expected + ",")))
                return;
            if (System.nanoTime() > deadline)
                throw new AssertionError("not every worker was told egg-pids " + expected + ": " + answers);
            Thread.sleep(200);
        }
    }

    /** Each of {@code pids} answers, and within 15 s every one says {@code workerCount} is {@code expected}. */
    private static void assertCounts(Cluster cluster, List<Long> pids, int expected) throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true)
        {
            Map<Long, Cluster.Response> answers = cluster.getFromEach("/count/workers", pids);
            if (answers.values().stream().allMatch(a -> a.number("workerCount") == expected))
                return;
            if (System.nanoTime() > deadline)
                throw new AssertionError("not every worker sees " + expected + " workers: " + answers);
            Thread.sleep(200);
        }
    }
}
