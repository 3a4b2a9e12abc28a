package io.eggcluster.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log files of a running cluster: one per process under {@code logs/} ({@code jetty.egg.logDir}), named by role
 * and slot and dated; each child's lines in its slot's file, the master's whole console in {@code master.*.log}; a
 * replacement appends to its slot's file; with {@code jetty.egg.logDir} empty, no file.
 */
class LogFilesIT
{
    @Test
    void eachProcessHasItsFileAndAReplacementWritesToItsSlots() throws Exception
    {
        try (Cluster cluster = Cluster.start("log-files", "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            Path logs = cluster.base().resolve("logs");
            assertEquals("rwxr-x---", mode(logs));
            Path master = file(logs, "master");
            Path agent = file(logs, "agent");
            Path worker1 = file(logs, "worker-1");
            Path worker2 = file(logs, "worker-2");
            for (Path file : List.of(master, agent, worker1, worker2))
                assertTrue(PosixFilePermissions.fromString("rw-r-----").containsAll(Files.getPosixFilePermissions(file)),
                    file + " is " + mode(file));

            String egg = "egg-ready in " + ready.millis() + " ms";
            awaitLine(master, line -> line.contains(egg) && !line.startsWith("["), "the master's egg-ready line");
            awaitLine(master, line -> line.startsWith("[worker#2:" + ready.workerPids().get(1) + "] "),
                "a child's line, prefixed, in the master's file too");
            awaitLine(agent, line -> line.startsWith("[agent#0:" + ready.agentPid() + "] "), "the agent's lines");
            long first = ready.workerPids().get(0);
            awaitLine(worker1, line -> line.startsWith("[worker#1:" + first + "] "), "worker 1's lines");
            awaitLine(worker2, line -> line.startsWith("[worker#2:" + ready.workerPids().get(1) + "] "), "worker 2's");
            assertOnly(agent, "[agent#0:");
            assertOnly(worker1, "[worker#1:");
            assertOnly(worker2, "[worker#2:");

            // kill -9 worker 1: its replacement writes to the same worker-1 file, after the dead one's lines
            int from = cluster.lineCount();
            Cluster.kill9(first);
            long replacement = Long.parseLong(cluster.awaitMasterLineFrom(
                Pattern.compile("worker#1:(\\d+) ready in"), Duration.ofSeconds(60), from).match().group(1));
            assertTrue(replacement != first);
            awaitLine(worker1, line -> line.startsWith("[worker#1:" + replacement + "] "), "the replacement's lines");
            assertEquals(worker1, file(logs, "worker-1"), "the same file");
            List<String> lines = Files.readAllLines(worker1);
            assertTrue(lines.indexOf(lines.stream().filter(l -> l.startsWith("[worker#1:" + first + "] ")).findFirst()
                .orElseThrow()) < lines.indexOf(lines.stream().filter(l -> l.startsWith("[worker#1:" + replacement +
                "] ")).findFirst().orElseThrow()), "appended after the dead worker's lines");
            assertOnly(worker1, "[worker#1:");
            awaitLine(master, line -> line.contains("worker#1:" + first + " died after egg-ready: exited with exit code " +
                "137 (SIGKILL)"), "the master's file has the death");

            // a graceful stop: the master's file ends with the stop, written before the files are closed
            cluster.signalMaster("TERM");
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(60)));
            List<String> last = Files.readAllLines(master);
            assertTrue(last.stream().anyMatch(l -> !l.startsWith("[") && Cluster.CLUSTER_STOPPED.matcher(l).find()),
                "the stopped line: " + last.subList(Math.max(0, last.size() - 5), last.size()));
            assertTrue(last.stream().anyMatch(l -> l.contains("worker#2:" + ready.workerPids().get(1) + " stopped: exit " +
                "code 143 (SIGTERM)")), "each child's stop");
        }
    }

    @Test
    void anEmptyLogDirWritesNoFile() throws Exception
    {
        try (Cluster cluster = Cluster.start("no-log-files", "jetty.egg.workers=1", "jetty.egg.logDir="))
        {
            cluster.awaitEggReady();
            assertFalse(Files.exists(cluster.base().resolve("logs")), "no logs directory");
            assertFalse(cluster.output().contains("log files in"), "no log files announced");
        }
    }

    /** @return the one dated file of {@code name}: {@code name.yyyy_MM_dd.log} */
    private static Path file(Path logs, String name) throws IOException
    {
        Pattern dated = Pattern.compile(Pattern.quote(name) + "\\.\\d{4}_\\d{2}_\\d{2}\\.log");
        try (Stream<Path> files = Files.list(logs))
        {
            List<Path> found = files.filter(f -> dated.matcher(f.getFileName().toString()).matches()).toList();
            assertEquals(1, found.size(), name + ": " + found);
            return found.get(0);
        }
    }

    /** Waits up to 20 s for a line of {@code file} that matches: the master writes a line as it prints it. */
    private static void awaitLine(Path file, java.util.function.Predicate<String> match, String what) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true)
        {
            if (Files.readAllLines(file).stream().anyMatch(match))
                return;
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("no line in " + file + ": " + what);
            Thread.sleep(100);
        }
    }

    private static void assertOnly(Path file, String prefix) throws IOException
    {
        for (String line : Files.readAllLines(file))
            assertTrue(line.startsWith(prefix), file.getFileName() + " has another process's line: " + line);
    }

    private static String mode(Path path) throws IOException
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
