package io.eggcluster.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.HaltWhenMarkedListener;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PM2's restart backoff (issue 11): a slot whose process dies again soon after its start waits 100 ms x 1.5^(k-1)
 * before the start after its k-th quick death in a row (at most 15 s); its first death restarts at once; the restart
 * limit still ends a crash loop.
 */
class BackoffIT
{
    private static final int RESTART_LIMIT = 6;

    @Test
    void aCrashLoopIsSpacedOutByTheBackoffUntilTheRestartLimitEndsIt() throws Exception
    {
        Path[] marker = new Path[1];
        Consumer<Path> haltWar = base ->
        {
            marker[0] = base.resolve("halt-marker");
            WebArchive war = ShrinkWrap.create(WebArchive.class, "halt.war")
                .addClass(HaltWhenMarkedListener.class)
                .addAsWebInfResource(new StringAsset(marker[0].toString()), "halt-marker")
                .setWebXML(new StringAsset("""
                    <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                      <listener><listener-class>%s</listener-class></listener>
                    </web-app>
                    """.formatted(HaltWhenMarkedListener.class.getName())));
            war.as(ZipExporter.class).exportTo(base.resolve("webapps").resolve("halt.war").toFile(), true);
        };
        try (Cluster cluster = Cluster.start("backoff", haltWar, "jetty.egg.workers=1",
            "jetty.egg.restartLimit=" + RESTART_LIMIT, "jetty.egg.restartWindow=600000"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            int mark = cluster.lineCount();
            // from now on every start of a worker halts while it deploys
            Files.createFile(marker[0]);
            Cluster.kill9(ready.workerPids().get(0));

            assertEquals(1, cluster.awaitExit(Duration.ofSeconds(180)), "the restart limit ends the cluster");
            cluster.awaitLine(Pattern.compile("egg-cluster failed: restart limit reached: more than " + RESTART_LIMIT +
                " restarts within 600000 ms"), Duration.ZERO, mark, true);

            // the first death (after a long enough life: the kill) restarts at once
            List<Cluster.Line> restarts = cluster.masterLines(Cluster.RESTARTING, mark);
            assertEquals(RESTART_LIMIT, restarts.size(), "restarts: " + texts(restarts));
            assertFalse(restarts.get(0).text().contains(" ms ("), "the first restart waits for nothing: " +
                restarts.get(0).text());
            // every later one is a quick death in a row: 100, 150, 225, 337.5, 506.25 ms
            List<Cluster.Line> delayed = cluster.masterLines(Cluster.RESTARTING_AFTER_BACKOFF, mark);
            assertEquals(RESTART_LIMIT - 1, delayed.size(), "restarts after a backoff: " + texts(delayed));
            List<Cluster.Line> forks = cluster.masterLines(Pattern.compile("worker#1:(\\d+) forked"), mark);
            assertEquals(RESTART_LIMIT, forks.size(), "forks: " + texts(forks));
            StringBuilder figures = new StringBuilder();
            for (int k = 1; k <= delayed.size(); k++)
            {
                Cluster.Line line = delayed.get(k - 1);
                long delay = Long.parseLong(line.match().group(3));
                double expected = 100 * Math.pow(1.5, k - 1);
                assertEquals(k, Integer.parseInt(line.match().group(4)), line.text());
                assertTrue(Math.abs(delay - expected) <= 1, "quick death " + k + ": " + delay + " ms, not " + expected +
                    ": " + line.text());
                // the fork after it: not before the delay, and not much later
                Cluster.Line fork = forks.get(k);
                assertTrue(fork.index() > line.index(), "fork " + fork.text() + " after " + line.text());
                long waited = fork.millis() - line.millis();
                assertTrue(waited >= delay - 2, "forked " + waited + " ms after '" + line.text() + "'");
                assertTrue(waited <= delay + 2000, "forked only " + waited + " ms after '" + line.text() + "'");
                figures.append(String.format(" k=%d backoff=%d waited=%d fork-to-fork=%d;", k, delay, waited,
                    fork.millis() - forks.get(k - 1).millis()));
            }
            System.out.println("backoff:" + figures);
            List<Cluster.Line> deaths = cluster.masterLines(Cluster.DIED, mark);
            assertEquals(RESTART_LIMIT + 1, deaths.size(), "deaths: " + texts(deaths));
            for (Cluster.Line death : deaths.subList(1, deaths.size()))
                assertTrue(death.text().contains("exited with exit code " + HaltWhenMarkedListener.EXIT_CODE),
                    death.text());
            for (long pid : cluster.childPids())
                assertFalse(Cluster.alive(pid), "child " + pid + " is gone");
        }
    }

    private static String texts(List<Cluster.Line> lines)
    {
        return String.join("\n", lines.stream().map(Cluster.Line::text).toList());
    }
}
