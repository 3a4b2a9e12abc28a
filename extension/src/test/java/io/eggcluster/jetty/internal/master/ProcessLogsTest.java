package io.eggcluster.jetty.internal.master;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.SteppedRollover;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessLogsTest
{
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy_MM_dd");
    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

    @TempDir
    Path tmp;

    /** The streams the logs opened, by file name pattern, so that the test can roll them over. */
    private final Map<String, SteppedRollover> opened = new ConcurrentHashMap<>();

    private ProcessLogs logs(Path dir, int retainDays, ZonedDateTime now)
    {
        return new ProcessLogs(dir, retainDays, (pattern, days) ->
        {
            SteppedRollover stream = new SteppedRollover(pattern, days, UTC, now);
            opened.put(Path.of(pattern).getFileName().toString(), stream);
            return stream;
        }, Clock.fixed(now.toInstant(), ZoneOffset.UTC));
    }

    private interface Body
    {
        void run() throws Exception;
    }

    /** Starts {@code logs} with the console captured, runs {@code body}, stops them: @return what the console got */
    private static String withConsole(ProcessLogs logs, Body body) throws Exception
    {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try
        {
            logs.start();
            body.run();
        }
        finally
        {
            logs.stop();
            System.setOut(out);
            System.setErr(err);
        }
        return console.toString(StandardCharsets.UTF_8);
    }

    private static String name(String slot, ZonedDateTime day)
    {
        return slot + "." + day.format(DATE) + ".log";
    }

    private static void oldFile(Path dir, String name, ZonedDateTime modified) throws IOException
    {
        Path file = Files.writeString(dir.resolve(name), "old\n");
        Files.setLastModifiedTime(file, FileTime.from(modified.toInstant()));
    }

    @Test
    void eachSlotHasItsFileWhichRollsOverAtMidnightAndOldFilesGo() throws Exception
    {
        ZonedDateTime today = ZonedDateTime.of(2026, 3, 10, 12, 0, 0, 0, ZoneOffset.UTC);
        ZonedDateTime midnight = today.toLocalDate().plusDays(1).atStartOfDay(ZoneOffset.UTC).plusSeconds(1);
        Path dir = tmp.resolve("logs");
        Files.createDirectories(dir);
        // older than 7 days at start: pruned at start
        oldFile(dir, name("worker-1", today.minusDays(9)), today.minusDays(9));
        // 5 days old at start, 8 days old after the next midnight's rollover: pruned then
        oldFile(dir, name("worker-1", today.minusDays(7).plusHours(12)), today.minusDays(7).plusHours(12));
        // not one of ours: never touched
        oldFile(dir, "notes.txt", today.minusDays(30));

        ProcessLogs logs = logs(dir, 7, today);
        PrintStream out = System.out;
        try
        {
            logs.start();
            assertFalse(Files.exists(dir.resolve(name("worker-1", today.minusDays(9)))), "pruned at start");
            assertTrue(Files.exists(dir.resolve(name("worker-1", today.minusDays(7).plusHours(12)))), "5 days old: kept");

            logs.child(Role.WORKER, 1, "[worker#1:100] first");
            logs.child(Role.WORKER, 10, "[worker#10:110] tenth");
            logs.child(Role.AGENT, 0, "[agent#0:90] agent line");
            Path first = dir.resolve(name("worker-1", today));
            assertEquals(List.of("[worker#1:100] first"), Files.readAllLines(first));
            assertEquals(List.of("[worker#10:110] tenth"), Files.readAllLines(dir.resolve(name("worker-10", today))));
            assertEquals(List.of("[agent#0:90] agent line"), Files.readAllLines(dir.resolve(name("agent", today))));
            // a file of worker-10 that is old after midnight: worker-1's pruning must leave it (the names share a prefix)
            oldFile(dir, name("worker-10", today.minusDays(8)), today.minusDays(8));

            // midnight: worker-1's stream rolls over to the new date's name and prunes its own old files
            opened.get("worker-1.yyyy_mm_dd.log").rollOverAt(midnight);
            logs.child(Role.WORKER, 1, "[worker#1:101] second, after midnight");
            assertEquals(List.of("[worker#1:100] first"), Files.readAllLines(first), "yesterday's file is kept whole");
            assertEquals(List.of("[worker#1:101] second, after midnight"),
                Files.readAllLines(dir.resolve(name("worker-1", midnight))));
            assertFalse(Files.exists(dir.resolve(name("worker-1", today.minusDays(7).plusHours(12)))),
                "older than 7 days at the rollover: pruned");
            assertTrue(Files.exists(dir.resolve(name("worker-10", today.minusDays(8)))), "another slot's file is left");
            assertTrue(Files.exists(dir.resolve("notes.txt")));
        }
        finally
        {
            logs.stop();
            assertEquals(out, System.out, "the console is given back");
        }
        logs.child(Role.WORKER, 1, "[worker#1:102] after stop");
        assertEquals(1, Files.readAllLines(dir.resolve(name("worker-1", midnight))).size(), "nothing after stop");
    }

    @Test
    void theMasterFileGetsTheWholeConsoleAndTheConsoleStillDoes() throws Exception
    {
        ZonedDateTime today = ZonedDateTime.now(ZoneOffset.UTC);
        Path dir = tmp.resolve("made/logs");
        ProcessLogs logs = logs(dir, 7, today);
        String shown = withConsole(logs, () ->
        {
            System.out.println("an out line");
            System.err.println("an err line");
            System.out.print("in two ");
            System.out.println("pieces");
            System.out.print("three\nin one\nwrite");
            System.out.println();
            System.out.println("z".repeat(200_000));
            logs.child(Role.WORKER, 2, "[worker#2:7] only in its slot's file (the master prints it itself)");
        });
        List<String> master = Files.readAllLines(dir.resolve(name("master", today)));
        assertTrue(master.get(0).contains("log files in " + dir), master.toString());
        assertEquals(List.of("an out line", "an err line", "in two pieces", "three", "in one", "write"),
            master.subList(1, 7));
        // a line longer than MAX_LINE_CHARS is written whole, in pieces of about that length
        List<String> pieces = master.subList(7, master.size());
        assertEquals(200_000, pieces.stream().mapToInt(String::length).sum());
        assertTrue(pieces.size() >= 3 && pieces.stream().allMatch(p -> p.length() <= ProcessLogs.MAX_LINE_CHARS + 1 &&
            p.chars().allMatch(c -> c == 'z')), pieces.size() + " pieces");
        assertTrue(shown.contains("an out line") && shown.contains("an err line") && shown.contains("in two pieces"), shown);
        assertEquals("rwxr-x---", mode(dir), "a directory made for the logs");
        try (Stream<Path> files = Files.list(dir))
        {
            for (Path file : files.toList())
                assertTrue(PosixFilePermissions.fromString("rw-r-----").containsAll(Files.getPosixFilePermissions(file)),
                    file + " is " + mode(file));
        }
    }

    @Test
    void aFileThatIsThereIsMadeNoWiderThanOwnerAndGroup() throws Exception
    {
        ZonedDateTime today = ZonedDateTime.now(ZoneOffset.UTC);
        Path dir = Files.createDirectories(tmp.resolve("logs"));
        Path agent = Files.writeString(dir.resolve(name("agent", today)), "earlier\n");
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rw-rw-rw-"));
        ProcessLogs logs = logs(dir, 7, today);
        try
        {
            logs.start();
            logs.child(Role.AGENT, 0, "[agent#0:1] appended");
        }
        finally
        {
            logs.stop();
        }
        assertEquals(List.of("earlier", "[agent#0:1] appended"), Files.readAllLines(agent));
        assertEquals("rw-r-----", mode(agent));
    }

    @Test
    void noDirectoryNoFiles() throws Exception
    {
        ProcessLogs none = ProcessLogs.none();
        PrintStream out = System.out;
        none.start();
        assertEquals(out, System.out, "the console is left alone");
        none.child(Role.WORKER, 1, "[worker#1:1] nowhere");
        none.stop();
        assertNull(none.getDirectory());

        // a directory that cannot be made (a file is in the way): logged, and the cluster goes on without files
        Path blocker = Files.writeString(tmp.resolve("blocker"), "");
        ProcessLogs blocked = logs(blocker.resolve("logs"), 7, ZonedDateTime.now(ZoneOffset.UTC));
        blocked.start();
        assertEquals(out, System.out);
        blocked.child(Role.WORKER, 1, "[worker#1:1] nowhere");
        blocked.stop();
        assertTrue(opened.isEmpty());
    }

    @Test
    void untilReadyTheConsoleGetsEverythingThenOnlyWhatTheFileCannotTake() throws Exception
    {
        ZonedDateTime today = ZonedDateTime.now(ZoneOffset.UTC);
        Path dir = Files.createDirectories(tmp.resolve("logs"));
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean();
        ProcessLogs logs = new ProcessLogs(dir, 7, (pattern, days) -> new java.io.FilterOutputStream(
            new SteppedRollover(pattern, days, UTC, today))
        {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException
            {
                if (full.get())
                    throw new IOException("No space left on device");
                out.write(bytes, offset, length);
            }
        }, Clock.fixed(today.toInstant(), ZoneOffset.UTC));
        String shown = withConsole(logs, () ->
        {
            System.out.println("before egg-ready");
            logs.quietConsole();
            System.out.println("after egg-ready");
            System.err.println("an error after egg-ready");
            full.set(true);
            System.out.println("the disk is full");
        });
        assertTrue(shown.contains("before egg-ready") && shown.contains("goes to " + dir.resolve(name("master", today)) +
            " only (jetty.egg.logConsole=until-ready)"), shown);
        assertFalse(shown.contains("after egg-ready"), shown);
        assertTrue(shown.contains("the disk is full"), "what the file cannot take still reaches the console: " + shown);
        List<String> master = Files.readAllLines(dir.resolve(name("master", today)));
        assertTrue(master.containsAll(List.of("before egg-ready", "after egg-ready", "an error after egg-ready")),
            master.toString());
    }

        @Test
    void aFileThatCannotBeWrittenIsSaidOnceAndNothingElseStops() throws Exception
    {
        ZonedDateTime today = ZonedDateTime.now(ZoneOffset.UTC);
        Path dir = Files.createDirectories(tmp.resolve("logs"));
        java.util.concurrent.atomic.AtomicInteger opens = new java.util.concurrent.atomic.AtomicInteger();
        // the disk is full: every write of worker-1's file fails; the master's file works
        ProcessLogs logs = new ProcessLogs(dir, 7, (pattern, days) ->
        {
            if (!pattern.contains("worker-1."))
                return new SteppedRollover(pattern, days, UTC, today);
            opens.incrementAndGet();
            return new java.io.OutputStream()
            {
                @Override
                public void write(int b) throws IOException
                {
                    throw new IOException("No space left on device");
                }
            };
        }, Clock.fixed(today.toInstant(), ZoneOffset.UTC));
        String shown = withConsole(logs, () ->
        {
            for (int i = 0; i < 5; i++)
                logs.child(Role.WORKER, 1, "[worker#1:1] line " + i);
            System.out.println("the master goes on");
        });
        long said = shown.lines().filter(l -> l.contains("cannot write the log file")).count();
        assertEquals(1, said, shown);
        assertTrue(shown.contains(dir.resolve(name("worker-1", today)).toString()) && shown.contains("No space left"),
            "names the file and the cause: " + shown);
        assertEquals(1, opens.get(), "not opened again before the retry delay");
        List<String> master = Files.readAllLines(dir.resolve(name("master", today)));
        assertTrue(master.contains("the master goes on"), master.toString());
        assertTrue(master.stream().anyMatch(l -> l.contains("cannot write the log file")), "said in the master's too");
    }

    @Test
    void longLinesAreCutWithAMarkerAndLineBreaksAreKept() throws Exception
    {
        String text = "a\r\n\nb" + "x".repeat(30) + "\nlast without break";
        BoundedLineReader reader = new BoundedLineReader(new StringReader(text), 10);
        List<String> lines = new ArrayList<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine())
            lines.add(line);
        assertEquals(List.of("a", "", "bxxxxxxxxx" + BoundedLineReader.CUT + "21]", "last witho" +
            BoundedLineReader.CUT + "8]"), lines);
        assertNull(new BoundedLineReader(new StringReader(""), 10).readLine());
        // a line of 1 MiB, read in the buffer's pieces, keeps its first MAX_LINE_CHARS characters
        String huge = "y".repeat(1 << 20) + "\nnext\n";
        BoundedLineReader big = new BoundedLineReader(new StringReader(huge), ProcessLogs.MAX_LINE_CHARS);
        String cut = big.readLine();
        assertTrue(cut.startsWith("y".repeat(ProcessLogs.MAX_LINE_CHARS) + BoundedLineReader.CUT), cut.substring(0, 20));
        assertEquals(ProcessLogs.MAX_LINE_CHARS + BoundedLineReader.CUT.length() + String.valueOf((1 << 20) -
            ProcessLogs.MAX_LINE_CHARS).length() + 1, cut.length());
        assertEquals("next", big.readLine());
        assertNull(big.readLine());
    }

    private static String mode(Path path) throws IOException
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
