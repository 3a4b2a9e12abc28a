package io.eggcluster.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.FailingListener;
import org.eclipse.jetty.util.ajax.JSON;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line {@code bin/egg-cluster} of the built base, run with {@code sh} (dash on Debian) from fresh copies
 * of it, {@code JETTY_HOME} pointing at the built jetty-home (issue 12): start --daemon, status (--json), a killed
 * worker's restart in the status, reload, scale, stop that leaves a second cluster alone, a start that fails, bad
 * usage. Every process a test saw (the pid file, every pid of every status, the masters' descendants) is killed by
 * pid when it ends, passed or not.
 */
class CliIT
{
    /**
     * Every process the test saw, killed at the end if it still runs: handles taken while each ran, so that a pid
     * reused meanwhile by another process is not signalled ({@link ProcessHandle} checks the start time).
     */
    private final Map<Long, ProcessHandle> seen = new LinkedHashMap<>();
    private final List<Base> bases = new ArrayList<>();

    @Test
    void startStatusKillReloadScaleAndAStopThatLeavesAnotherClusterAlone() throws Exception
    {
        Base first = base("cli");
        Base second = base("cli2");
        assertTrue(Files.isExecutable(first.dir.resolve("bin/egg-cluster")), "bin/egg-cluster is executable");
        int port = Cluster.freePort();
        long started = System.nanoTime();
        Result start = first.run(Duration.ofSeconds(150), "start", "--daemon", "--workers", "2", "--port",
            String.valueOf(port), "jetty.http.host=127.0.0.1");
        System.out.println("cli: start --daemon took " + millisSince(started) + " ms: " + start.out().trim());
        see(first.pidFromFile());
        assertEquals(0, start.status(), start.toString());
        // returned only once the cluster serves: the first request right after it gets an answer
        assertEquals(200, get(port, "/pid").status());

        // status --json: the master, the agent and two workers, ready, alive
        Map<String, Object> status = first.statusJson();
        Map<?, ?> cluster = (Map<?, ?>)status.get("cluster");
        assertEquals("ready", cluster.get("state"));
        assertEquals(first.pidFromFile(), ((Number)cluster.get("pid")).longValue(), "the pid file names the master");
        List<Map<?, ?>> processes = processes(status);
        assertEquals(List.of("master", "agent", "worker", "worker"), processes.stream().map(p -> p.get("role")).toList());
        for (Map<?, ?> process : processes)
        {
            assertEquals("ready", process.get("state"), process.toString());
            assertTrue(alive(pid(process)), "alive: " + process);
        }
        Map<Integer, Long> workers = workers(status);
        assertEquals(Set.of(1, 2), workers.keySet());

        // the table, and how long the command takes
        started = System.nanoTime();
        Result table = first.run(Duration.ofSeconds(30), "status");
        System.out.println("cli: status took " + millisSince(started) + " ms:\n" + table.out());
        assertEquals(0, table.status(), table.toString());
        assertTrue(table.out().startsWith("egg-cluster ready, up "), table.out());
        assertTrue(table.out().contains("\nROLE "), table.out());
        assertTrue(Pattern.compile("(?m)^worker +1 +" + workers.get(1) + " +ready ").matcher(table.out()).find(),
            table.out());

        // kill -9 a worker: the status shows its slot restarted once, with a new pid
        long victim = workers.get(1);
        Cluster.kill9(victim);
        Map<String, Object> afterKill = first.awaitStatus(Duration.ofSeconds(90), s ->
        {
            Map<?, ?> row = row(s, 1);
            return row != null && ((Number)row.get("restarts")).intValue() == 1 && "ready".equals(row.get("state"))
                && pid(row) != victim;
        });
        Map<?, ?> restarted = row(afterKill, 1);
        System.out.println("cli: after kill -9 " + victim + ": " + restarted);
        assertTrue(String.valueOf(restarted.get("lastExit")).contains("SIGKILL"), restarted.toString());
        assertEquals(0, ((Number)row(afterKill, 2).get("restarts")).intValue());

        // reload waits until done: every worker replaced
        Map<Integer, Long> before = workers(afterKill);
        Result reload = first.run(Duration.ofSeconds(180), "reload");
        System.out.println("cli: reload: " + reload.out().trim());
        assertEquals(0, reload.status(), reload.toString());
        assertTrue(reload.out().startsWith("reload done in "), reload.out());
        Map<String, Object> afterReload = first.statusJson();
        Map<Integer, Long> reloaded = workers(afterReload);
        assertEquals(before.keySet(), reloaded.keySet());
        for (int id : before.keySet())
            assertNotEquals(before.get(id), reloaded.get(id), "worker#" + id + " replaced: " + reloaded);
        processes(afterReload).forEach(p -> assertEquals("ready", p.get("state"), p.toString()));

        // scale 3, then 2: each returns when there are that many
        Result up = first.run(Duration.ofSeconds(120), "scale", "3");
        assertEquals(0, up.status(), up.toString());
        Map<Integer, Long> three = workers(first.statusJson());
        assertEquals(Set.of(1, 2, 3), three.keySet(), up.out());
        Result down = first.run(Duration.ofSeconds(120), "scale", "2");
        assertEquals(0, down.status(), down.toString());
        assertEquals(Set.of(1, 2), workers(first.statusJson()).keySet(), down.out());
        assertFalse(alive(three.get(3)), "worker#3 is gone: " + three);
        System.out.println("cli: scale: " + up.out().trim() + " / " + down.out().trim());

        // the daemon's console file ends at egg-ready (jetty.egg.logConsole=until-ready): the kill, the reload and
        // the scaling went to the log files only, which the master rotates
        String console = Files.readString(first.dir.resolve("logs/egg-cluster.out"));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(first.dir.resolve("logs/egg-cluster.out"))), "as the log files");
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(first.dir.resolve("logs"))), "as the master makes it");
        assertTrue(console.contains("egg-ready in ") && console.contains("(jetty.egg.logConsole=until-ready)"), console);
        assertFalse(console.contains("reload done in "), "after egg-ready in the console file:\n" + console);
        assertFalse(console.contains("Hazelcast is starting in a Java modular environment"), "the master got " +
            "Hazelcast's JVM options from bin/egg-cluster:\n" + console);
        try (java.util.stream.Stream<Path> logs = Files.list(first.dir.resolve("logs")))
        {
            Path master = logs.filter(f -> f.getFileName().toString().startsWith("master.")).findFirst().orElseThrow();
            assertTrue(Files.readString(master).contains("reload done in "), master.toString());
        }

        // a reload that fails (the next version of the app cannot start): exit 1 with the master's reason, and the
        // workers that served serve on
        Map<Integer, Long> serving = workers(first.statusJson());
        TestWars.withListenerWar("broken", FailingListener.class).accept(first.dir);
        Result failed = first.run(Duration.ofSeconds(180), "reload");
        System.out.println("cli: a failed reload: " + failed.err().trim());
        assertEquals(1, failed.status(), failed.toString());
        assertTrue(failed.err().startsWith("egg-cluster: reload failed: "), failed.err());
        assertTrue(failed.err().contains("worker#1"), "names the replacement that failed: " + failed.err());
        assertEquals(serving, workers(first.statusJson()));
        serving.values().forEach(pid -> assertTrue(alive(pid), "worker " + pid + " serves on"));
        Files.delete(first.dir.resolve("webapps/broken.war"));

        // a second cluster on another base: the first's stop leaves it alone
        int port2 = Cluster.freePort();
        Result start2 = second.run(Duration.ofSeconds(150), "start", "--daemon", "--workers", "1", "--port",
            String.valueOf(port2), "jetty.http.host=127.0.0.1");
        see(second.pidFromFile());
        assertEquals(0, start2.status(), start2.toString());
        Set<Long> secondPids = pids(second.statusJson());
        // and a second start on the first base is refused
        Result again = first.run(Duration.ofSeconds(30), "start", "--daemon", "--port", String.valueOf(port));
        assertEquals(1, again.status(), again.toString());
        assertTrue(again.err().contains("already running"), again.err());

        Set<Long> firstPids = pids(first.statusJson());
        started = System.nanoTime();
        Result stop = first.run(Duration.ofSeconds(90), "stop");
        System.out.println("cli: stop took " + millisSince(started) + " ms: " + stop.out().trim());
        assertEquals(0, stop.status(), stop.toString());
        for (long pid : firstPids)
            assertFalse(alive(pid), "process " + pid + " of the first cluster is gone");
        Result stopped = first.run(Duration.ofSeconds(30), "status");
        assertEquals(3, stopped.status(), stopped.toString());
        for (long pid : secondPids)
            assertTrue(alive(pid), "process " + pid + " of the second cluster still runs");
        assertEquals(0, second.run(Duration.ofSeconds(30), "status").status());
        assertEquals(200, get(port2, "/pid").status());

        // the first base's log: what the daemon wrote
        Result logs = first.run(Duration.ofSeconds(30), "logs");
        assertEquals(0, logs.status(), logs.toString());
        assertTrue(logs.out().contains("egg-ready in "), logs.out());
        assertEquals(1, first.run(Duration.ofSeconds(30), "logs", "worker-9").status());

        Result stop2 = second.run(Duration.ofSeconds(90), "stop");
        assertEquals(0, stop2.status(), stop2.toString());
        for (long pid : secondPids)
            assertFalse(alive(pid), "process " + pid + " of the second cluster is gone");
        Result again2 = second.run(Duration.ofSeconds(30), "stop");
        assertEquals(0, again2.status(), again2.toString());
        assertTrue(again2.out().contains("not running"), again2.out());
    }

    @Test
    void aStartThatFailsExitsNonZeroWithTheReason() throws Exception
    {
        Base base = base("clibad");
        Result start = base.run(Duration.ofSeconds(150), "start", "--daemon", "--port",
            String.valueOf(Cluster.freePort()), "jetty.egg.workers=0");
        see(base.pidFromFile());
        System.out.println("cli: a failed start: " + start);
        assertEquals(1, start.status(), start.toString());
        assertTrue(start.err().contains("exited before egg-ready"), start.err());
        assertTrue(start.err().contains("jetty.egg.workers=0"), "the master's reason is shown: " + start.err());
        assertFalse(alive(base.pidFromFile()));
    }

    @Test
    void badUsageExitsTwoWithTheUsageAndNotRunningIsSaid() throws Exception
    {
        Base base = base("cliusage");
        // the module's [files] installed the current script (start.jar copies only what is missing)
        assertEquals(Files.readString(base.dir.resolve("modules/egg-cluster/egg-cluster.sh")),
            Files.readString(base.dir.resolve("bin/egg-cluster")), "bin/egg-cluster is the module's egg-cluster.sh");
        assertTrue(Files.isExecutable(base.dir.resolve("bin/egg-cluster")), "bin/egg-cluster is executable");
        for (List<String> args : List.<List<String>>of(List.of(), List.of("bogus"), List.of("start", "--port"),
            List.of("start", "--workers", "0"), List.of("start", "--port", "http"), List.of("start", "--bogus"),
            List.of("start", "stray"), List.of("scale", "x"), List.of("scale"), List.of("status", "--bogus"),
            List.of("stop", "--timeout", "soon"), List.of("reload", "now"), List.of("logs", "-x"),
            List.of("logs", "../etc")))
        {
            Result run = base.run(Duration.ofSeconds(30), args.toArray(String[]::new));
            assertEquals(2, run.status(), run.toString());
            assertTrue(run.err().contains("Usage: bin/egg-cluster"), run.toString());
            assertEquals("", run.out(), run.toString());
        }
        Result help = base.run(Duration.ofSeconds(30), "help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("Usage: bin/egg-cluster"), help.out());

        Result status = base.run(Duration.ofSeconds(30), "status");
        assertEquals(3, status.status(), status.toString());
        assertTrue(status.err().contains("not running"), status.err());
        assertEquals(3, base.run(Duration.ofSeconds(30), "reload").status());
        assertEquals(3, base.run(Duration.ofSeconds(30), "scale", "2").status());
        Result stop = base.run(Duration.ofSeconds(30), "stop");
        assertEquals(0, stop.status(), stop.toString());
        assertTrue(stop.out().contains("not running"), stop.out());
    }

    @Test
    void startInTheForegroundIsTheMasterItself() throws Exception
    {
        Base base = base("clifg");
        int port = Cluster.freePort();
        List<String> command = new ArrayList<>(List.of("sh", base.dir.resolve("bin/egg-cluster").toString(), "start",
            "--workers", "1", "--port", String.valueOf(port), "jetty.http.host=127.0.0.1"));
        ProcessBuilder builder = base.environment(new ProcessBuilder(command))
            .redirectErrorStream(true).redirectOutput(base.dir.resolve("foreground.out").toFile());
        Process script = builder.start();
        see(script.pid());
        Map<String, Object> status = base.awaitStatus(Duration.ofSeconds(120),
            s -> "ready".equals(((Map<?, ?>)s.get("cluster")).get("state")));
        // exec: the java process has the script's pid (what systemd's Type=notify and KillMode=mixed need)
        assertEquals(script.pid(), ((Number)((Map<?, ?>)status.get("cluster")).get("pid")).longValue());
        assertEquals(script.pid(), base.pidFromFile());
        assertEquals(200, get(port, "/pid").status());
        Set<Long> pids = pids(status);

        Result stop = base.run(Duration.ofSeconds(90), "stop");
        assertEquals(0, stop.status(), stop.toString());
        assertTrue(script.waitFor(30, TimeUnit.SECONDS), "the foreground start returned");
        assertEquals(0, script.exitValue(), "the master's exit status, as the script's");
        for (long pid : pids)
            assertFalse(alive(pid), "process " + pid + " is gone");
    }

    @Test
    void logsPrintsTheNewestFileOfAProcess() throws Exception
    {
        Base base = base("clilogs");
        Path logs = Files.createDirectories(base.dir.resolve("logs"));
        Files.writeString(logs.resolve("worker-1.2026_11_30.log"), "old\n");
        Files.writeString(logs.resolve("worker-1.2026_12_01.log"), "new\n");
        Files.writeString(logs.resolve("worker-10.2026_12_02.log"), "not worker-1\n");
        Files.setLastModifiedTime(logs.resolve("worker-1.2026_11_30.log"),
            java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 86_400_000L));
        Result worker = base.run(Duration.ofSeconds(30), "logs", "worker-1");
        assertEquals(new Result(0, "new\n", ""), worker);
        // the master without a file of its own: the daemon's output
        assertEquals(1, base.run(Duration.ofSeconds(30), "logs").status());
        Files.writeString(logs.resolve("egg-cluster.out"), "daemon\n");
        assertEquals(new Result(0, "daemon\n", ""), base.run(Duration.ofSeconds(30), "logs", "master"));
        Files.writeString(logs.resolve("master.2026_12_01.log"), "master\n");
        assertEquals(new Result(0, "master\n", ""), base.run(Duration.ofSeconds(30), "logs"));
        Result agent = base.run(Duration.ofSeconds(30), "logs", "agent");
        assertEquals(1, agent.status());
        assertTrue(agent.err().contains("no log file of agent in " + logs), agent.err());

        // jetty.egg.logDir of the base's start.d
        Path elsewhere = Files.createDirectories(base.dir.resolve("var/log"));
        Files.writeString(elsewhere.resolve("agent.2026_12_01.log"), "agent\n");
        Files.writeString(base.dir.resolve("start.d/zz-logs.ini"), "jetty.egg.logDir=${jetty.base}/var/log\n");
        assertEquals(new Result(0, "agent\n", ""), base.run(Duration.ofSeconds(30), "logs", "agent"));
    }

    @Test
    void logsFollowsAProcessIntoTheNextDaysFile() throws Exception
    {
        Base base = base("clifollow");
        Path logs = Files.createDirectories(base.dir.resolve("logs"));
        Path day1 = logs.resolve("worker-1.2026_11_30.log");
        Files.writeString(day1, "day 1, line 1\n");
        Files.setLastModifiedTime(day1, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Process follow = base.environment(new ProcessBuilder("sh", base.dir.resolve("bin/egg-cluster").toString(),
            "logs", "-f", "worker-1")).redirectErrorStream(true).start();
        see(follow.pid());
        follow.getOutputStream().close();
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() ->
        {
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                follow.getInputStream(), StandardCharsets.UTF_8)))
            {
                for (String line = in.readLine(); line != null; line = in.readLine())
                    lines.add(line);
            }
            catch (IOException ended)
            {
                // the process is gone
            }
        }, "logs-f-reader");
        reader.setDaemon(true);
        reader.start();
        try
        {
            assertEquals("day 1, line 1", lines.poll(10, TimeUnit.SECONDS));
            Files.writeString(day1, "day 1, line 2\n", java.nio.file.StandardOpenOption.APPEND);
            assertEquals("day 1, line 2", lines.poll(10, TimeUnit.SECONDS));
            follow.descendants().forEach(child -> see(child.pid()));

            // midnight: the process writes to a new file, and -f goes on with it from its first line
            Path day2 = logs.resolve("worker-1.2026_12_01.log");
            Files.writeString(day2, "day 2, line 1\n");
            // the old day's last line and the new day's first can come in the same tick of the file system's clock
            Files.setLastModifiedTime(day2, Files.getLastModifiedTime(day1));
            // another process's file is not followed
            Files.writeString(logs.resolve("worker-10.2026_12_01.log"), "worker-10\n");
            assertEquals("day 2, line 1", lines.poll(10, TimeUnit.SECONDS), "followed into " + day2);
            Files.writeString(day2, "day 2, line 2\n", java.nio.file.StandardOpenOption.APPEND);
            assertEquals("day 2, line 2", lines.poll(10, TimeUnit.SECONDS));
            assertEquals(null, lines.poll(1500, TimeUnit.MILLISECONDS), "nothing else, nothing twice");

            // Ctrl-C or SIGTERM ends it with the tail it runs
            List<ProcessHandle> tails = follow.descendants().toList();
            tails.forEach(child -> see(child.pid()));
            assertFalse(tails.isEmpty(), "it follows with tail");
            follow.destroy();
            assertTrue(follow.waitFor(10, TimeUnit.SECONDS), "logs -f ends on SIGTERM");
            for (ProcessHandle tail : tails)
                assertFalse(tail.onExit().completeOnTimeout(tail, 10, TimeUnit.SECONDS).join().isAlive(),
                    "its tail " + tail.pid() + " ended with it");
        }
        finally
        {
            follow.destroyForcibly();
        }
    }

    /** Kills every process the test saw, by pid, passed or failed; then removes the masters' temp directories. */
    @AfterEach
    void killEverythingSeen() throws Exception
    {
        // a master whose start did not return (a timeout): the pid file names it, and it runs in its base
        for (Base base : bases)
        {
            long pid = base.pidFromFile();
            try
            {
                if (pid > 0 && Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "cwd")).equals(base.dir))
                    see(pid);
            }
            catch (IOException gone)
            {
                // not running
            }
        }
        killSeen();
        bases.forEach(Base::removeTmp);
    }

    // ---- helpers

    record Result(int status, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + status + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    record Response(int status, String body)
    {
    }

    /** A fresh copy of the built jetty base, next to which the script finds nothing: JETTY_HOME is given. */
    private Base base(String name) throws IOException
    {
        Path template = Path.of(System.getProperty("egg.jettyBase"));
        Path dir = Files.createDirectories(Path.of(System.getProperty("egg.workDir"))).resolve(name + "-" +
            System.nanoTime());
        Cluster.copyTree(template, dir);
        Base base = new Base(dir, Files.createTempDirectory("egg-cli-"));
        bases.add(base);
        return base;
    }

    final class Base
    {
        final Path dir;
        /** The master's java.io.tmpdir (JAVA_OPTIONS), where its children's control socket is: removed at the end. */
        final Path tmp;

        Base(Path dir, Path tmp)
        {
            this.dir = dir;
            this.tmp = tmp;
        }

        /** Runs {@code sh bin/egg-cluster args} in the base's parent directory, with JETTY_HOME and JAVA_HOME set. */
        Result run(Duration timeout, String... args) throws Exception
        {
            List<String> command = new ArrayList<>(List.of("sh", dir.resolve("bin/egg-cluster").toString()));
            command.addAll(Arrays.asList(args));
            Process process = environment(new ProcessBuilder(command)).start();
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("egg-cluster " + String.join(" ", args) + " still running after " + timeout);
            }
            return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        }

        /** In the base's parent directory, with JETTY_HOME, JAVA_HOME and the master's JAVA_OPTIONS. */
        ProcessBuilder environment(ProcessBuilder builder)
        {
            builder.directory(dir.getParent().toFile());
            builder.environment().put("JETTY_HOME", System.getProperty("egg.jettyHome"));
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("JAVA_OPTIONS", "-Djava.io.tmpdir=" + tmp);
            builder.environment().remove("JETTY_BASE");
            return builder;
        }

        long pidFromFile() throws IOException
        {
            Path file = dir.resolve("work/egg-cluster/egg-cluster.pid");
            return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : -1;
        }

        /** {@code status --json}, parsed; every pid in it is killed at the end of the test. */
        Map<String, Object> statusJson() throws Exception
        {
            Result result = run(Duration.ofSeconds(30), "status", "--json");
            assertEquals(0, result.status(), result.toString());
            @SuppressWarnings("unchecked")
            Map<String, Object> status = (Map<String, Object>)new JSON().fromJSON(result.out());
            pids(status).forEach(CliIT.this::see);
            return status;
        }

        /**
         * Polls {@code status --json} until it answers and {@code done} holds, up to {@code timeout} (a master still
         * starting may have no socket or no status yet).
         */
        Map<String, Object> awaitStatus(Duration timeout, Predicate<Map<String, Object>> done) throws Exception
        {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true)
            {
                Result result = run(Duration.ofSeconds(30), "status", "--json");
                Map<String, Object> status = null;
                if (result.status() == 0)
                {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> parsed = (Map<String, Object>)new JSON().fromJSON(result.out());
                    status = parsed;
                    pids(status).forEach(CliIT.this::see);
                    if (done.test(status))
                        return status;
                }
                if (System.nanoTime() > deadline)
                    throw new AssertionError("status not reached within " + timeout + ": " + result);
                Thread.sleep(500);
            }
        }

        void removeTmp()
        {
            try (var walk = Files.walk(tmp))
            {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
            catch (IOException ignored)
            {
                // a temp directory left is no test failure
            }
        }
    }

    private void see(long pid)
    {
        if (pid > 0 && !seen.containsKey(pid))
            ProcessHandle.of(pid).ifPresent(handle -> seen.put(pid, handle));
    }

    /** SIGKILL to every process seen that still runs (and to its descendants), then waits until each is gone. */
    private void killSeen() throws InterruptedException
    {
        List<ProcessHandle> running = new ArrayList<>();
        for (ProcessHandle handle : seen.values())
        {
            if (alive(handle.pid()) && handle.isAlive())
            {
                handle.descendants().forEach(running::add);
                running.add(handle);
            }
        }
        running.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (ProcessHandle handle : running)
        {
            while (alive(handle.pid()) && System.nanoTime() < deadline)
                Thread.sleep(50);
        }
        if (!running.isEmpty())
            System.out.println("cli: killed at the end " + running.stream().map(ProcessHandle::pid).toList());
    }

    /** Alive: running or stopped, not exited; a zombie (an exited daemon whose init does not reap) counts as gone. */
    static boolean alive(long pid)
    {
        if (pid <= 0)
            return false;
        try
        {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        }
        catch (IOException gone)
        {
            return false;
        }
    }

    static List<Map<?, ?>> processes(Map<String, Object> status)
    {
        List<Map<?, ?>> rows = new ArrayList<>();
        for (Object row : (Object[])status.get("processes"))
            rows.add((Map<?, ?>)row);
        return rows;
    }

    static long pid(Map<?, ?> process)
    {
        return process.get("pid") == null ? -1 : ((Number)process.get("pid")).longValue();
    }

    static Set<Long> pids(Map<String, Object> status)
    {
        Set<Long> pids = new LinkedHashSet<>();
        for (Map<?, ?> process : processes(status))
        {
            if (pid(process) > 0)
                pids.add(pid(process));
        }
        return pids;
    }

    /** @return the worker slots' pids, by workerId (replacements starting left out) */
    static Map<Integer, Long> workers(Map<String, Object> status)
    {
        Map<Integer, Long> workers = new LinkedHashMap<>();
        for (Map<?, ?> process : processes(status))
        {
            if ("worker".equals(process.get("role")) && !Boolean.TRUE.equals(process.get("replacement")))
                workers.put(((Number)process.get("workerId")).intValue(), pid(process));
        }
        return workers;
    }

    /** @return worker {@code id}'s row (not a replacement's), or null */
    static Map<?, ?> row(Map<String, Object> status, int id)
    {
        for (Map<?, ?> process : processes(status))
        {
            if ("worker".equals(process.get("role")) && ((Number)process.get("workerId")).intValue() == id &&
                !Boolean.TRUE.equals(process.get("replacement")))
                return process;
        }
        return null;
    }

    private static Response get(int port, String path) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int start = response.indexOf("\r\n\r\n");
            return new Response(Integer.parseInt(response.substring(9, 12)), start < 0 ? "" : response.substring(start + 4));
        }
    }

    private static String read(java.io.InputStream in)
    {
        try
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e)
        {
            return "(unreadable: " + e + ")";
        }
    }

    private static long millisSince(long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
