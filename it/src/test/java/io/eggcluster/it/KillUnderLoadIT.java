package io.eggcluster.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a worker under keep-alive load: what fails is at most what the victim held. Each of its connections can
 * cost at most the one request it carried at the kill (a connection it held idle is closed cleanly: the client finds
 * the end of stream before writing and reconnects); the other worker's connections lose nothing.
 * <p>
 * One more way to fail, the kernel's: the dying JVM closes its descriptors one by one, so a client whose connection
 * was closed first may reconnect while the victim's listener is still in the port's group and land in its accept
 * queue, which is reset when the listener closes, unless {@code net.ipv4.tcp_migrate_req=1} moves it to the other
 * worker's listener (Linux 5.14+; DESIGN.md, measured 2026-11-30: 42 failed for 31 held without it). So: failures on
 * the connections open at the kill are at most those the victim held, always; failures on connections opened after
 * the kill come only from connects begun before the victim was gone, and none at all with tcp_migrate_req=1, when
 * every failed request is one the victim held.
 */
class KillUnderLoadIT
{
    private static final int CONNECTIONS = 64;

    @Test
    void failedRequestsAreAtMostTheConnectionsTheKilledWorkerHeld() throws Exception
    {
        boolean migrate = "1".equals(readTrimmed("/proc/sys/net/ipv4/tcp_migrate_req"));
        try (Cluster cluster = Cluster.start("kill-under-load", "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long victim = ready.workerPids().get(0);
            int mark = cluster.lineCount();
            LoadClient load = LoadClient.start(LoadClient.Options.keepAlive(cluster.port(), CONNECTIONS));
            try
            {
                // every connection open and busy, and nothing failed so far
                assertTrue(load.awaitOk(load.snapshot(), 2000, 30_000), "load did not get going: " + load.snapshot());
                LoadClient.Counts before = load.snapshot();
                assertEquals(0, before.failed(), () -> "failures before the kill: " + before + " " + load.failures());
                assertEquals(CONNECTIONS, before.connects(), "one connection a thread: " + before);

                int held = Cluster.establishedConnections(victim, cluster.port());
                LoadClient.Counts atKill = load.snapshot();
                long killedAt = System.nanoTime();
                Cluster.kill9(victim);
                // held is exact only if no connection was opened from before the count to the kill (the snapshot
                // comes first: the clients react to the kill within microseconds)
                assertEquals(CONNECTIONS, atKill.connects(), "a connection was opened around the count: " + atKill);
                assertEquals(0, atKill.failed(), "a request failed around the count: " + atKill);
                assertTrue(held > 0, "worker#1 held none of the " + CONNECTIONS + " connections");
                long goneAt = awaitDescriptorsClosed(victim);

                // the load goes on: the survivor answers the victim's clients once they reconnect
                assertTrue(load.awaitOk(atKill, 1000, 20_000), "no load served after the kill: " +
                    load.snapshot().minus(atKill));
                Thread.sleep(2000);
                LoadClient.Counts total = load.stop();
                LoadClient.Counts after = total.minus(atKill);
                List<LoadClient.Failure> failures = load.failureEvents();
                long onHeld = failures.stream().filter(f -> f.connectionNanos() < killedAt).count();
                List<LoadClient.Failure> onLater = failures.stream().filter(f -> f.connectionNanos() >= killedAt)
                    .toList();
                String report = "worker#1 held " + held + " of " + CONNECTIONS + " connections; failed: " + onHeld +
                    " on connections open at the kill, " + onLater.size() + " on connections opened after it " +
                    "(tcp_migrate_req=" + (migrate ? 1 : 0) + "), victim gone " +
                    TimeUnit.NANOSECONDS.toMillis(goneAt - killedAt) + " ms after the kill; after the kill " + after +
                    "; total " + total;
                System.out.println("kill-under-load: " + report);
                String details = report + "\n" + String.join("\n", load.failures());

                assertTrue(after.ok() > 0, "successes after the kill: " + details);
                assertEquals(total.failed(), failures.size(), "every failure recorded: " + details);
                assertTrue(failures.stream().allMatch(f -> f.atNanos() >= killedAt), "failed before the kill: " +
                    details);
                assertTrue(onHeld <= held, "more requests failed on the connections open at the kill than worker#1 " +
                    "held: " + details);
                for (LoadClient.Failure f : onLater)
                    assertTrue(f.connectionNanos() < goneAt, "a connection opened after worker#1 was gone failed: " +
                        f + "\n" + details);
                if (migrate)
                    assertTrue(total.failed() <= held, "with tcp_migrate_req=1 every failure is a request worker#1 " +
                        "held: " + details);
                assertTrue(after.connects() <= held + onLater.size(), "only the victim's clients reconnect: " + details);
            }
            finally
            {
                load.stop();
            }

            // the slot is filled again
            cluster.awaitLine(Pattern.compile("worker#1:" + victim + " died after egg-ready: exited with exit code 137 " +
                "\\(SIGKILL\\)"), Duration.ofSeconds(10), mark, true);
            Cluster.Line replaced = cluster.awaitMasterLineFrom(Pattern.compile("worker#1:(\\d+) ready in \\d+ ms"),
                Duration.ofSeconds(60), mark);
            long replacement = Long.parseLong(replaced.match().group(1));
            assertNotEquals(victim, replacement);
            assertTrue(Cluster.alive(replacement), "the replacement runs");
            assertEquals(200, cluster.get("/hello").status());
        }
    }

    /**
     * @return when the killed process had closed its descriptors (its listener among them): gone, or a zombie with
     * no thread left but its leader (the descriptors go with the last thread)
     */
    private static long awaitDescriptorsClosed(long pid) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Path proc = Path.of("/proc/" + pid);
        while (System.nanoTime() < deadline)
        {
            try (var tasks = Files.list(proc.resolve("task")))
            {
                boolean zombie = Files.readAllLines(proc.resolve("status")).stream()
                    .anyMatch(l -> l.startsWith("State:") && l.contains("Z"));
                if (zombie && tasks.count() <= 1)
                    return System.nanoTime();
            }
            catch (IOException gone)
            {
                return System.nanoTime();
            }
            Thread.sleep(1);
        }
        throw new AssertionError("worker " + pid + " still running 10 s after kill -9");
    }

    private static String readTrimmed(String file)
    {
        try
        {
            return Files.readString(Path.of(file)).trim();
        }
        catch (IOException e)
        {
            return "";
        }
    }
}
