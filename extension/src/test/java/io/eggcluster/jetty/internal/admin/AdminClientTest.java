package io.eggcluster.jetty.internal.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.eclipse.jetty.util.ajax.JSON;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AdminClient} against a fake control socket made here: the request lines it writes, the table it prints
 * (nulls too), the exit status of each outcome, and the arguments it refuses.
 */
class AdminClientTest
{
    @TempDir
    Path base;
    private FakeMaster master;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void close() throws Exception
    {
        if (master != null)
            master.close();
        for (Process process : processes)
        {
            process.toHandle().destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The outcome of one run: exit status, stdout, stderr. */
    record Run(int status, String out, String err)
    {
    }

    private Run run(String... args)
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--base", base.toString()));
        all.addAll(Arrays.asList(args));
        int status = AdminClient.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private FakeMaster serve(Function<String, String> answers) throws IOException
    {
        master = new FakeMaster(base.resolve(AdminClient.SOCKET), answers);
        return master;
    }

    private Process sleeper() throws IOException
    {
        Process process = new ProcessBuilder("sleep", "120").start();
        processes.add(process);
        return process;
    }

    static Map<String, Object> process(String role, int workerId, Long pid, String state)
    {
        return new ProcessStatus(role, workerId, role.equals("master") ? "master" : role + "#" + workerId, pid,
            state, false, 65_000L, workerId == 1 ? 1 : 0, workerId == 1 ? "exit code 137 (SIGKILL)" : null,
            200L * 1024 * 1024, 12.5, 3.25, 50L * 1024 * 1024, 1234L, 2L, 10L, 11L, 0L, 400L).toJson();
    }

    static String statusAnswer(long masterPid, String state)
    {
        ClusterStatus status = new ClusterStatus(state, null, masterPid, 3_723_000L, 4838L, 2, "http://127.0.0.1:8080/",
            "/srv/shop", Map.of("jetty", "12.1.12"), List.of(), 1L);
        Map<String, Object> json = status.toJson();
        List<Object> rows = new ArrayList<>();
        rows.add(process("master", 0, masterPid, state));
        rows.add(process("agent", 0, 4050L, "ready"));
        rows.add(process("worker", 1, 4302L, "ready"));
        // a slot waiting for its restart: no process, no figures
        rows.add(new ProcessStatus("worker", 2, "worker#2", null, "restarting", false, null, 3, "exit code 1", null,
            null, null, null, null, null, null, null, null, null).toJson());
        json.put("processes", rows);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ok", true);
        answer.put("status", json);
        return new JSON().toJSON(answer);
    }

    @Test
    void statusWritesItsRequestLineAndPrintsTheTableWithDashesForNulls() throws Exception
    {
        serve(request -> statusAnswer(4049, "ready"));
        Run run = run("status");
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of("{\"command\":\"status\"}"), master.requests);
        String[] lines = run.out().split("\n");
        assertEquals("egg-cluster ready, up 1h 02m, egg-ready in 4.8s (4838 ms), 2 worker(s), serving " +
            "http://127.0.0.1:8080/", lines[0]);
        assertEquals("master pid 4049, base /srv/shop; jetty 12.1.12", lines[1]);
        assertEquals("", lines[2]);
        assertTrue(lines[3].startsWith("ROLE"), lines[3]);
        for (String header : List.of("ID", "PID", "STATE", "UPTIME", "RESTARTS", "RSS", "CPU%", "HEAP", "REQUESTS",
            "IN-FLIGHT", "MSGS-SENT", "MSGS-RECV", "QUEUE", "HEARTBEAT", "LAST-EXIT"))
            assertTrue(lines[3].contains(header), header + " in " + lines[3]);
        assertEquals(8, lines.length, run.out());
        assertEquals(List.of("master", "0", "4049", "ready", "1m", "05s", "0", "200.0M", "3.3", "50.0M", "1234", "2",
            "10", "11", "0", "0.4s", "-"), List.of(lines[4].trim().split("\\s+")), lines[4]);
        assertTrue(lines[6].matches("worker +1 +4302 +ready .* 0\\.4s +exit code 137 \\(SIGKILL\\)"), lines[6]);
        assertEquals(List.of("worker", "2", "-", "restarting", "-", "3", "-", "-", "-", "-", "-", "-", "-", "-", "-",
            "exit", "code", "1"), List.of(lines[7].trim().split("\\s+")), lines[7]);
        // columns line up: every row's PID ends where the header's does
        int pidEnd = lines[3].indexOf("PID") + 3;
        for (int i = 4; i < lines.length; i++)
            assertTrue(lines[i].charAt(pidEnd - 1) != ' ' && lines[i].charAt(pidEnd) == ' ', lines[i]);
    }

    @Test
    void statusJsonPrintsTheStatusWithItsKeysInTheMastersOrder() throws Exception
    {
        serve(request -> statusAnswer(4049, "ready"));
        Run run = run("status", "--json");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("{\"cluster\":{\"state\":\"ready\",\"change\":null,\"pid\":4049,"), run.out());
        assertTrue(run.out().endsWith("}\n"), run.out());
        Map<?, ?> parsed = (Map<?, ?>)new JSON().fromJSON(run.out());
        assertEquals(4, ((Object[])parsed.get("processes")).length);
    }

    @Test
    void changeLineShownWhileOneIsUnderWay() throws Exception
    {
        serve(request -> statusAnswer(1, "reloading").replace("\"change\":null", "\"change\":\"reload: worker#2\""));
        Run run = run("status");
        assertEquals(0, run.status());
        assertTrue(run.out().contains("\nchange under way: reload: worker#2\n"), run.out());
    }

    @Test
    void reloadAndScaleWriteTheirRequestsAndPrintTheMastersMessage() throws Exception
    {
        serve(request -> "{\"ok\":true,\"message\":\"done: " + request.replace("\"", "'") + "\"}");
        Run reload = run("reload");
        assertEquals(0, reload.status(), reload.err());
        assertEquals("done: {'command':'reload'}\n", reload.out());
        Run scale = run("scale", "3", "--timeout", "30");
        assertEquals(0, scale.status(), scale.err());
        assertEquals(List.of("{\"command\":\"reload\"}", "{\"command\":\"scale\",\"workers\":3}"), master.requests);
    }

    @Test
    void aRefusalExitsOneWithTheMastersReason() throws Exception
    {
        serve(request -> "{\"ok\":false,\"error\":\"reload failed: worker#1:2210 did not start\"}");
        Run run = run("reload");
        assertEquals(1, run.status());
        assertEquals("", run.out());
        assertEquals("egg-cluster: reload failed: worker#1:2210 did not start\n", run.err());
        Run scale = run("scale", "2");
        assertEquals(1, scale.status());
        assertEquals("egg-cluster: scale to 2 worker(s) failed: reload failed: worker#1:2210 did not start\n",
            scale.err());
        assertEquals(1, run("status").status());
    }

    @Test
    void noSocketOrNobodyListeningIsNotRunning() throws Exception
    {
        Run none = run("status");
        assertEquals(3, none.status());
        assertTrue(none.err().contains("not running: no control socket " + base.resolve(AdminClient.SOCKET)),
            none.err());
        assertEquals(3, run("reload").status());
        assertEquals(3, run("scale", "2").status());
        Run stop = run("stop");
        assertEquals(0, stop.status(), "stop of a stopped cluster is done");
        assertTrue(stop.out().contains("not running"), stop.out());
        assertEquals(3, run("probe").status());

        // a socket file left by a master killed with SIGKILL: nobody listens on it
        serve(request -> "{}").close();
        assertTrue(Files.exists(base.resolve(AdminClient.SOCKET)));
        Run stale = run("status");
        assertEquals(3, stale.status());
        assertTrue(stale.err().contains("nobody listens on"), stale.err());
    }

    @Test
    void anAnswerThatIsMissingOrNotJsonExitsOne() throws Exception
    {
        serve(request -> null);
        Run closed = run("reload");
        assertEquals(1, closed.status());
        assertTrue(closed.err().contains("closed the connection without an answer"), closed.err());
        master.close();
        serve(request -> "<html>");
        Run garbage = run("status");
        assertEquals(1, garbage.status());
        assertTrue(garbage.err().contains("<html>"), garbage.err());
    }

    @Test
    void anObjectNamingAClassIsNotTurnedIntoIt() throws Exception
    {
        // Jetty's parser alone would construct a JSON.Convertible named by "class" or "x-class"
        Trap.made.set(0);
        serve(request -> "{\"ok\":true,\"message\":\"fine\",\"x\":{\"class\":\"" + Trap.class.getName() +
            "\"},\"y\":[{\"x-class\":\"" + Trap.class.getName() + "\"}]}");
        Run run = run("reload");
        assertEquals(0, run.status(), run.err());
        assertEquals("fine\n", run.out());
        assertEquals(0, Trap.made.get(), "no object made from the answer");
    }

    /** What an answer must not be able to make. */
    public static final class Trap implements JSON.Convertible
    {
        static final AtomicInteger made = new AtomicInteger();

        public Trap()
        {
            made.incrementAndGet();
        }

        @Override
        public void toJSON(JSON.Output out)
        {
        }

        @Override
        public void fromJSON(Map<String, Object> object)
        {
        }
    }

    @Test
    void reloadWithATimeoutGivesUpWithoutAnAnswer() throws Exception
    {
        serve(request -> "wait");
        long start = System.nanoTime();
        Run run = run("reload", "--timeout", "1");
        assertEquals(1, run.status());
        assertTrue(run.err().contains("no answer to reload within 1 s"), run.err());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void stopWaitsUntilThePidInTheAnswerIsGone() throws Exception
    {
        Process process = sleeper();
        serve(request -> "{\"ok\":true,\"message\":\"stopping\",\"pid\":" + process.pid() + "}");
        Thread killer = new Thread(() ->
        {
            try
            {
                Thread.sleep(600);
                process.destroy();
            }
            catch (InterruptedException ignored)
            {
                // test over
            }
        });
        killer.start();
        Run run = run("stop");
        killer.join();
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of("{\"command\":\"stop\"}"), master.requests);
        assertTrue(run.out().contains("stopping the master, pid " + process.pid()), run.out());
        assertTrue(run.out().contains("stopped in "), run.out());
        assertFalse(process.isAlive());
    }

    @Test
    void stopAtItsTimeoutReportsAndKillsNothing() throws Exception
    {
        Process process = sleeper();
        serve(request -> "{\"ok\":true,\"message\":\"stopping\",\"pid\":" + process.pid() + "}");
        Run run = run("stop", "--timeout", "1");
        assertEquals(1, run.status());
        assertTrue(run.err().contains("pid " + process.pid() + ", is still running 1 s after it began to stop; " +
            "nothing was killed"), run.err());
        assertTrue(process.isAlive());
    }

    @Test
    void awaitReadyPollsUntilItsMasterSaysReady() throws Exception
    {
        Process process = sleeper();
        AtomicInteger asked = new AtomicInteger();
        serve(request -> switch (asked.incrementAndGet())
        {
            case 1 -> "{\"ok\":false,\"error\":\"the master is starting: no status yet\"}";
            case 2 -> statusAnswer(process.pid(), "starting");
            default -> statusAnswer(process.pid(), "ready");
        });
        Run run = run("await-ready", "--pid", String.valueOf(process.pid()), "--timeout", "30");
        assertEquals(0, run.status(), run.err());
        assertEquals(3, asked.get());
        assertTrue(run.out().startsWith("egg-cluster: ready, master pid " + process.pid()), run.out());
    }

    @Test
    void awaitReadyFailsWhenItsMasterExitsFirst() throws Exception
    {
        Process process = sleeper();
        // another master's status is not this one's
        serve(request -> statusAnswer(process.pid() + 1, "ready"));
        process.destroy();
        process.waitFor();
        Run run = run("await-ready", "--pid", String.valueOf(process.pid()));
        assertEquals(1, run.status());
        assertTrue(run.err().contains("pid " + process.pid() + ", exited before egg-ready"), run.err());
    }

    @Test
    void awaitReadyAtItsTimeoutStopsTheMasterItStarted() throws Exception
    {
        Process process = sleeper();
        Run run = run("await-ready", "--pid", String.valueOf(process.pid()), "--timeout", "1");
        assertEquals(1, run.status());
        assertTrue(run.err().contains("not ready within 1 s (no control socket"), run.err());
        assertTrue(run.err().contains("sent SIGTERM to the master it started, pid " + process.pid()), run.err());
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        assertEquals(143, process.exitValue());
    }

    @Test
    void probeFindsAMasterStillStartingByItsPidFile() throws Exception
    {
        // a process whose command line names start.jar, in the base: a copy of sleep(1) called start.jar
        Path sleep = Files.isExecutable(Path.of("/bin/sleep")) ? Path.of("/bin/sleep") : Path.of("/usr/bin/sleep");
        Path startJar = Files.copy(sleep, base.resolve("start.jar"));
        Process process = new ProcessBuilder(startJar.toString(), "120").directory(base.toFile()).start();
        processes.add(process);
        Files.createDirectories(base.resolve(AdminClient.PID_FILE).getParent());
        Files.writeString(base.resolve(AdminClient.PID_FILE), process.pid() + "\n");
        Run running = run("probe");
        assertEquals(0, running.status(), running.err());
        assertEquals(process.pid() + "\n", running.out());

        // a live process that is not a start.jar of this base is not the master
        Process other = sleeper();
        Files.writeString(base.resolve(AdminClient.PID_FILE), other.pid() + "\n");
        assertEquals(3, run("probe").status());
        serve(request -> statusAnswer(4049, "starting"));
        Run answering = run("probe");
        assertEquals(0, answering.status());
        assertEquals("4049\n", answering.out());
    }

    @Test
    void badArgumentsExitTwo() throws Exception
    {
        serve(request -> statusAnswer(1, "ready"));
        for (List<String> args : List.<List<String>>of(List.of(), List.of("frobnicate"), List.of("status", "--bogus"),
            List.of("status", "extra"), List.of("scale"), List.of("scale", "x"), List.of("scale", "0"),
            List.of("scale", "257"), List.of("scale", "-1"), List.of("reload", "--timeout"),
            List.of("reload", "--timeout", "0"), List.of("stop", "--timeout", "1.5"), List.of("await-ready"),
            List.of("await-ready", "--pid", "x")))
        {
            Run run = run(args.toArray(String[]::new));
            assertEquals(2, run.status(), args + ": " + run.err());
            assertTrue(run.err().startsWith("egg-cluster: "), run.err());
        }
        assertTrue(master.requests.isEmpty(), "nothing sent on bad arguments: " + master.requests);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, AdminClient.run(List.of("status"), System.out, new PrintStream(err, true)));
        assertTrue(err.toString().contains("--base DIR or --socket PATH is required"), err.toString());
    }

    @Test
    void figuresFormatted()
    {
        assertEquals("-", StatusTable.duration(null));
        assertEquals("0.4s", StatusTable.duration(400L));
        assertEquals("9.9s", StatusTable.duration(9_999L));
        assertEquals("10s", StatusTable.duration(10_000L));
        assertEquals("59s", StatusTable.duration(59_999L));
        assertEquals("5m 12s", StatusTable.duration(312_000L));
        assertEquals("3h 05m", StatusTable.duration(11_100_000L));
        assertEquals("2d 03h", StatusTable.duration(2 * 86_400_000L + 3 * 3_600_000L));
        assertEquals("?", StatusTable.duration("soon"));
        assertEquals("-", StatusTable.bytes(null));
        assertEquals("512K", StatusTable.bytes(512 * 1024L));
        assertEquals("212.3M", StatusTable.bytes((long)(212.3 * 1024 * 1024)));
        assertEquals("1.25G", StatusTable.bytes(1280L * 1024 * 1024));
        assertEquals("3", StatusTable.text(3.0));
        assertEquals("-", StatusTable.text(null));
        // a status with nothing in it still formats
        assertTrue(StatusTable.format(Map.of()).startsWith("egg-cluster -, up -, egg-ready not yet"));
    }

    /**
     * A control socket that answers each request line with {@code answers.apply(line)}: null closes without an
     * answer, {@code "wait"} holds the connection until closed.
     */
    static final class FakeMaster implements AutoCloseable
    {
        final List<String> requests = new CopyOnWriteArrayList<>();
        private final ServerSocketChannel server;
        private final Thread thread;
        private final List<SocketChannel> held = new CopyOnWriteArrayList<>();

        FakeMaster(Path socket, Function<String, String> answers) throws IOException
        {
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            thread = new Thread(() ->
            {
                while (server.isOpen())
                {
                    try
                    {
                        SocketChannel channel = server.accept();
                        String request = readLine(channel);
                        requests.add(request);
                        String answer = answers.apply(request);
                        if ("wait".equals(answer))
                        {
                            held.add(channel);
                            continue;
                        }
                        if (answer != null)
                        {
                            ByteBuffer bytes = ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.UTF_8));
                            while (bytes.hasRemaining())
                                channel.write(bytes);
                        }
                        channel.close();
                    }
                    catch (IOException closed)
                    {
                        return;
                    }
                }
            }, "fake-master");
            thread.setDaemon(true);
            thread.start();
        }

        private static String readLine(SocketChannel channel) throws IOException
        {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            ByteBuffer one = ByteBuffer.allocate(1);
            while (channel.read(one.clear()) > 0 && one.get(0) != '\n')
                line.write(one.get(0));
            return line.toString(StandardCharsets.UTF_8);
        }

        /** Stops listening; leaves the socket file, as a master killed with SIGKILL does. */
        @Override
        public void close() throws Exception
        {
            server.close();
            for (SocketChannel channel : held)
                channel.close();
            thread.join(5000);
        }
    }
}
