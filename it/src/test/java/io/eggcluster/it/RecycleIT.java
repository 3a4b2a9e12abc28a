package io.eggcluster.it;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jetty.egg.maxRequests} (+ jitter): a worker that served its share is replaced the way a reload replaces it,
 * replacement first, then drain, so recycling under keep-alive load fails no request (issue 11, Gunicorn's
 * {@code max_requests}).
 */
class RecycleIT
{
    @Test
    void workersAreRecycledUnderLoadWithoutAFailedRequest() throws Exception
    {
        try (Cluster cluster = Cluster.start("recycle", "jetty.egg.workers=2", "jetty.egg.maxRequests=200",
            "jetty.egg.maxRequestsJitter=50"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            int mark = cluster.lineCount();
            // ~100 requests a second to each worker: each serves its 200-250 in a few seconds
            LoadClient load = LoadClient.start(LoadClient.Options.keepAlive(cluster.port(), 8).rate(200));
            Set<Integer> recycled = new HashSet<>();
            try
            {
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                int from = mark;
                while (!recycled.containsAll(Set.of(1, 2)))
                {
                    Cluster.Line replaced = cluster.awaitMasterLineFrom(Cluster.REPLACED,
                        Duration.ofNanos(Math.max(1, deadline - System.nanoTime())), from);
                    System.out.println("recycle: " + replaced.text());
                    recycled.add(Integer.parseInt(replaced.match().group(1)));
                    from = replaced.index() + 1;
                }
                LoadClient.Counts counts = load.stop();
                System.out.println("recycle: keep-alive " + counts);
                assertTrue(counts.ok() >= 400, "the workers served their share: " + counts);
                assertEquals(0, counts.failed(), () -> "keep-alive requests failed: " + counts + "\n" +
                    String.join("\n", load.failures()));
            }
            finally
            {
                load.stop();
            }
            for (long pid : ready.workerPids())
                assertFalse(Cluster.alive(pid), "first worker " + pid + " was recycled and is gone");
            assertTrue(cluster.masterLines(Cluster.DIED, mark).isEmpty(), "recycled, not died: " + cluster.output());
            List<Cluster.Line> forks = cluster.masterLines(Cluster.FORKED, mark);
            assertTrue(forks.size() >= 2, "replacements forked: " + forks.size());
        }
    }
}
