package io.eggcluster.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of the real distribution: a fresh copy of {@code jetty-module/target/jetty-base}, a free port on
 * 127.0.0.1, {@code java -jar start.jar} as a separate process. Collects the master's output (which carries every
 * child's output), and on {@link #close()} kills, by pid, the master and every child it was seen to fork.
 */
final class Cluster implements AutoCloseable
{
    // The master's log lines the tests rely on, in one place (group numbers are part of each pattern's contract).

    /** 1 ms, 2 agent pid, 3 the workers ({@code worker#1:PID, ...}, see {@link #workers}), 4 url. */
    static final Pattern EGG_READY = Pattern.compile(
        "egg-ready in (\\d+) ms: agent agent#0:(\\d+), workers \\[(.*)], serving (\\S+)");
    /** 1 role, 2 id, 3 pid: a child (or a replacement, or the standby JVM taking a slot) forked. */
    static final Pattern FORKED = Pattern.compile("(agent|worker)#(\\d+):(\\d+) forked");
    /** 1 role, 2 id, 3 pid, 4 ms: a child ready (every webapp deployed, port joined). */
    static final Pattern READY = Pattern.compile("(agent|worker)#(\\d+):(\\d+) ready in (\\d+) ms");
    /** 1 role, 2 id, 3 pid, 4 why ({@code exited with exit code 137 (SIGKILL)}). */
    static final Pattern DIED = Pattern.compile("(agent|worker)#(\\d+):(\\d+) died after egg-ready: (.*)");
    /** 1 role, 2 id: a dead child's slot is started again. */
    static final Pattern RESTARTING = Pattern.compile("restarting (agent|worker)#(\\d+)");
    /** Issue 11, SIGHUP: 1 ms, 2 the new workers ({@code worker#1:PID, ...}, see {@link #workers}). */
    static final Pattern RELOAD_DONE = Pattern.compile("reload done in (\\d+) ms: workers \\[(.*)]");
    /** Issue 11, SIGHUP: 1 why. */
    static final Pattern RELOAD_FAILED = Pattern.compile("reload failed: (.*)");
    /**
     * 1 role, 2 id, 3 ms, 4 quick deaths in a row: a restart delayed by the backoff (a slot's first death, or one
     * after 30 s of life, restarts at once with a {@link #RESTARTING} line without "in N ms").
     */
    static final Pattern RESTARTING_AFTER_BACKOFF = Pattern.compile(
        "restarting (agent|worker)#(\\d+) in (\\d+) ms \\(\\d+ restart\\(s\\) of this slot; (\\d+) quick death\\(s\\) in a row");
    /** 1 role, 2 id, 3 pid, 4 ms of silence: a frozen child found out (it is killed next). */
    static final Pattern STUCK = Pattern.compile(
        "(agent|worker)#(\\d+):(\\d+) sent no heartbeat for (\\d+) ms \\(jetty.egg.heartbeatTimeout=\\d+\\): stuck");
    /** 1 id, 2 why, 3 pid of the replacement: one worker replaced (reload step, recycling). */
    static final Pattern REPLACED = Pattern.compile("worker#(\\d+) replaced \\((.*)\\): worker#\\d+:(\\d+) serves");
    /** SIGTTIN: 1 id, 2 pid, 3 the worker count now, 4 the workers. */
    static final Pattern ADDED = Pattern.compile(
        "worker#(\\d+) added: worker#\\d+:(\\d+) serves, (\\d+) worker\\(s\\) \\[(.*)]");
    /** SIGTTOU: 1 id, 2 the worker count now, 3 the workers. */
    static final Pattern REMOVED = Pattern.compile("worker#(\\d+) removed, (\\d+) worker\\(s\\) \\[([^]]*)]");
    /** {@code worker#N:PID} inside a list of workers: 1 id, 2 pid. */
    static final Pattern WORKER = Pattern.compile("worker#(\\d+):(\\d+)");
    /** Jetty's timestamp at the start of every line the master logs itself. */
    private static final Pattern TIMESTAMP = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3})");
    private static final java.time.format.DateTimeFormatter TIMESTAMP_FORMAT =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final Path base;
    /**
     * The master's java.io.tmpdir, where it makes its control socket's directory: close() kills the master with
     * SIGKILL, which leaves that directory behind, so each cluster gets a short one of its own and removes it.
     */
    private final Path tmp;
    private final int port;
    private final Process master;
    private final List<String> lines = new ArrayList<>();
    private final Set<Long> forked = new LinkedHashSet<>();
    private final PrintWriter log;
    private final List<Thread> drains = new ArrayList<>();

    private Cluster(Path base, Path tmp, int port, Process master) throws IOException
    {
        this.tmp = tmp;
        this.base = base;
        this.port = port;
        this.master = master;
        this.log = new PrintWriter(Files.newBufferedWriter(base.resolve("cluster.log")), true);
        drain(master.getInputStream(), "out");
        drain(master.getErrorStream(), "err");
    }

    /**
     * @param name a name for the base copy and the log
     * @param customize changes to the fresh base before start (extra WARs)
     * @param environment more variables in the master's environment
     * @param properties more start properties, e.g. {@code jetty.egg.workers=2}
     */
    static Cluster start(String name, Consumer<Path> customize, Map<String, String> environment, String... properties)
        throws IOException
    {
        Path template = Path.of(System.getProperty("egg.jettyBase"));
        Path home = Path.of(System.getProperty("egg.jettyHome"));
        Path base = Files.createDirectories(Path.of(System.getProperty("egg.workDir")))
            .resolve(name + "-" + System.nanoTime());
        copyTree(template, base);
        customize.accept(base);
        // a test may choose the port (jetty.http.port=...); else a free one
        Path tmp = Files.createTempDirectory("egg-it-");
        int port = freePort();
        for (String property : properties)
        {
            if (property.startsWith("jetty.http.port="))
                port = Integer.parseInt(property.substring("jetty.http.port=".length()));
        }
        // env --default-signal=INT: a process started in the background of a non-interactive shell (as CI may run
        // us) inherits SIGINT ignored, and a JVM never handles an ignored SIGINT; a user's terminal does not ignore it
        // setsid: the master leads a process group of its own, as in a terminal or under systemd, so a test can
        // signal the whole group without signalling itself
        List<String> command = new ArrayList<>(List.of("setsid", "env", "--default-signal=INT",
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Djava.io.tmpdir=" + tmp, "-jar", home.resolve("start.jar").toString(), "jetty.http.host=127.0.0.1",
            "jetty.http.port=" + port));
        for (String property : properties)
        {
            if (!property.startsWith("jetty.http.port="))
                command.add(property);
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(base.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new Cluster(base, tmp, port, process);
    }

    static Cluster start(String name, String... properties) throws IOException
    {
        return start(name, base -> { }, properties);
    }

    private void drain(InputStream in, String stream)
    {
        Thread thread = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)))
            {
                for (String line = reader.readLine(); line != null; line = reader.readLine())
                {
                    log.println(line);
                    synchronized (lines)
                    {
                        lines.add(line);
                        Matcher forkedChild = FORKED.matcher(line);
                        if (forkedChild.find() && !line.startsWith("["))
                            forked.add(Long.parseLong(forkedChild.group(3)));
                        lines.notifyAll();
                    }
                }
            }
            catch (IOException ignored)
            {
                // master gone
            }
        }, "cluster-" + stream);
        thread.setDaemon(true);
        thread.start();
        drains.add(thread);
    }

    int port()
    {
        return port;
    }

    Path base()
    {
        return base;
    }

    Process master()
    {
        return master;
    }

    /**
     * @return the first line of the master's own output (not a child's) matching, waiting up to {@code timeout}
     */
    Matcher awaitMasterLine(Pattern pattern, Duration timeout) throws InterruptedException
    {
        return awaitLine(pattern, timeout, 0, true);
    }

    /**
     * @param from only lines after this many lines of output
     */
    Matcher awaitLine(Pattern pattern, Duration timeout, int from, boolean masterOnly) throws InterruptedException
    {
        return scan(pattern, timeout, from, masterOnly).match();
    }

    /** Waits up to {@code timeout} for the first line at or after {@code from} that matches. */
    private Line scan(Pattern pattern, Duration timeout, int from, boolean masterOnly) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines)
        {
            int seen = from;
            while (true)
            {
                for (; seen < lines.size(); seen++)
                {
                    String line = lines.get(seen);
                    Matcher matcher = pattern.matcher(line);
                    if ((!masterOnly || !line.startsWith("[")) && matcher.find())
                        return new Line(seen, line, matcher);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    throw new AssertionError("no line matching /" + pattern + "/ within " + timeout + "; output in " +
                        base.resolve("cluster.log") + ", last lines:\n" + String.join("\n", lastLines(30)));
                TimeUnit.NANOSECONDS.timedWait(lines, left);
            }
        }
    }

    EggReady awaitEggReady() throws InterruptedException
    {
        Matcher m = awaitMasterLine(EGG_READY, Duration.ofSeconds(90));
        List<Long> workers = new ArrayList<>();
        Matcher w = Pattern.compile("worker#(\\d+):(\\d+)").matcher(m.group(3));
        while (w.find())
            workers.add(Long.parseLong(w.group(2)));
        return new EggReady(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), workers, m.group(4));
    }

    record EggReady(long millis, long agentPid, List<Long> workerPids, String url)
    {
    }

    /**
     * @param list {@code worker#1:4084, worker#2:4090}
     * @return the pids by worker id, in the list's order
     */
    static Map<Integer, Long> workers(String list)
    {
        Map<Integer, Long> workers = new java.util.LinkedHashMap<>();
        Matcher w = WORKER.matcher(list);
        while (w.find())
            workers.put(Integer.parseInt(w.group(1)), Long.parseLong(w.group(2)));
        return workers;
    }

    /** A line of output: its index (for {@link #awaitLine}'s {@code from}), its text and the match in it. */
    record Line(int index, String text, Matcher match)
    {
        /** @return the time Jetty logged the line at (the master's own lines carry it), in epoch ms */
        long millis()
        {
            return timestampMillis(text);
        }
    }

    /**
     * @return the first line of the master's own output at or after line {@code from} matching, waiting up to
     * {@code timeout}
     */
    Line awaitMasterLineFrom(Pattern pattern, Duration timeout, int from) throws InterruptedException
    {
        return scan(pattern, timeout, from, true);
    }

    /** @return every line of the master's own output from line {@code from} on that matches, now */
    List<Line> masterLines(Pattern pattern, int from)
    {
        List<Line> found = new ArrayList<>();
        synchronized (lines)
        {
            for (int i = from; i < lines.size(); i++)
            {
                String line = lines.get(i);
                Matcher matcher = pattern.matcher(line);
                if (!line.startsWith("[") && matcher.find())
                    found.add(new Line(i, line, matcher));
            }
        }
        return found;
    }

    /** @return the time in Jetty's timestamp at the start of a log line, in epoch ms (this machine's zone) */
    static long timestampMillis(String line)
    {
        Matcher m = TIMESTAMP.matcher(line);
        if (!m.find())
            throw new AssertionError("no timestamp in: " + line);
        return java.time.LocalDateTime.parse(m.group(1), TIMESTAMP_FORMAT).atZone(java.time.ZoneId.systemDefault())
            .toInstant().toEpochMilli();
    }

    int lineCount()
    {
        synchronized (lines)
        {
            return lines.size();
        }
    }

    String output()
    {
        synchronized (lines)
        {
            return String.join("\n", lines);
        }
    }

    List<String> lastLines(int n)
    {
        synchronized (lines)
        {
            return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
        }
    }

    /**
     * @return the master's exit code, or fails when it is still running after {@code timeout}
     */
    int awaitExit(Duration timeout) throws InterruptedException
    {
        if (!master.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            throw new AssertionError("master still running after " + timeout + "; last lines:\n" +
                String.join("\n", lastLines(30)));
        for (Thread drain : drains)
            drain.join(5000);
        return master.exitValue();
    }

    /**
     * @return every child pid the master logged as forked, and its current descendants
     */
    Set<Long> childPids()
    {
        Set<Long> pids = new LinkedHashSet<>();
        synchronized (lines)
        {
            pids.addAll(forked);
        }
        master.toHandle().descendants().forEach(p -> pids.add(p.pid()));
        return pids;
    }

    static boolean alive(long pid)
    {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The state of a process and its threads' stacks, for a failure message. */
    static String describe(long pid)
    {
        StringBuilder text = new StringBuilder();
        try
        {
            text.append(Files.readString(Path.of("/proc/" + pid + "/status")).lines()
                .filter(l -> l.startsWith("State") || l.startsWith("PPid")).toList());
            Process jstack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                String.valueOf(pid)).redirectErrorStream(true).start();
            text.append('\n').append(new String(jstack.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        catch (IOException e)
        {
            text.append(e);
        }
        return text.toString();
    }

    /** SIGKILL to any process. */
    static void kill9(long pid)
    {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    void signalMaster(String signal) throws IOException, InterruptedException
    {
        signal(master.pid(), signal);
    }

    /** {@code kill -SIGNAL pid}, e.g. HUP, TTIN, STOP, CONT; fails when kill does. */
    static void signal(long pid, String signal) throws IOException, InterruptedException
    {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        if (kill.waitFor() != 0)
            throw new AssertionError("kill -" + signal + " " + pid + " failed");
    }

    /**
     * The TCP connections a process holds on a local port, from /proc: the socket inodes among its file descriptors
     * matched against the ESTABLISHED entries of /proc/net/tcp and /proc/net/tcp6 whose local port is {@code port}
     * (a connection still in a listener's accept queue is in no process's descriptors, so it is not counted).
     */
    static int establishedConnections(long pid, int port) throws IOException
    {
        Set<String> inodes = new java.util.HashSet<>();
        try (var fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd")))
        {
            for (Path fd : fds)
            {
                try
                {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:["))
                        inodes.add(target.substring(8, target.length() - 1));
                }
                catch (IOException closedMeanwhile)
                {
                    // a descriptor closed while listed
                }
            }
        }
        String localPort = String.format(":%04X", port);
        int established = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6"))
        {
            List<String> rows = Files.readAllLines(Path.of(table));
            for (String row : rows.subList(1, rows.size()))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                String[] f = row.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(localPort) && f[3].equals("01") && inodes.contains(f[9]))
                    established++;
            }
        }
        return established;
    }

    /** A plain HTTP/1.0 GET on a new connection (so the kernel picks a worker for each request). */
    Response get(String path) throws IOException
    {
        return request("GET", path, null);
    }

    /** A plain HTTP/1.0 request on a new connection; {@code body} may be null. */
    Response request(String method, String path, String body) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(15_000);
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write((method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n" +
                "Content-Type: text/plain; charset=UTF-8\r\nContent-Length: " + content.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(content);
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int start = response.indexOf("\r\n\r\n");
            return new Response(status, start < 0 ? "" : response.substring(start + 4));
        }
    }

    /**
     * GETs {@code path} on new connections until each of {@code pids} has answered once (the kernel picks the worker).
     *
     * @return the answer of each worker, by pid
     */
    Map<Long, Response> getFromEach(String path, Collection<Long> pids) throws IOException
    {
        Map<Long, Response> answers = new HashMap<>();
        for (int i = 0; i < 2000 && !answers.keySet().containsAll(pids); i++)
        {
            Response response = get(path);
            answers.putIfAbsent(response.number("pid"), response);
        }
        if (!answers.keySet().containsAll(pids))
            throw new AssertionError("not every worker of " + pids + " answered " + path + ": " + answers.keySet());
        return answers;
    }

    record Response(int status, String body)
    {
        long number(String field)
        {
            Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(body);
            if (!m.find())
                throw new AssertionError("no number field '" + field + "' in " + body);
            return Long.parseLong(m.group(1));
        }

        String text(String field)
        {
            Matcher m = Pattern.compile("\"" + field + "\":\"([^\"]*)\"").matcher(body);
            if (!m.find())
                throw new AssertionError("no text field '" + field + "' in " + body);
            return m.group(1);
        }
    }

    /** Kills the master and every child by pid, and waits until they are gone. */
    @Override
    public void close() throws InterruptedException
    {
        Set<Long> pids = childPids();
        master.toHandle().destroyForcibly();
        pids.forEach(Cluster::kill9);
        master.waitFor(10, TimeUnit.SECONDS);
        for (long pid : pids)
        {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent())
                handle.get().onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS).join();
        }
        log.close();
        try (var walk = Files.walk(tmp))
        {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException ignored)
        {
            // a temp directory left is no test failure
        }
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    /** Copies a tree, keeping each file's attributes (bin/egg-cluster stays executable). */
    static void copyTree(Path from, Path to) throws IOException
    {
        Files.walkFileTree(from, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException
            {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException
            {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    // issue 12, systemd and JMX: a master with more environment variables; what a process has in its environment

    /**
     * @param customize changes to the fresh base before start (extra WARs)
     * @param properties more start properties, e.g. {@code jetty.egg.workers=2}
     */
    static Cluster start(String name, Consumer<Path> customize, String... properties) throws IOException
    {
        return start(name, customize, Map.of(), properties);
    }

    /** @return the variables of a live process, from {@code /proc/PID/environ} (readable by its owner only) */
    static Map<String, String> environmentOf(long pid) throws IOException
    {
        Map<String, String> environment = new HashMap<>();
        for (String entry : Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0"))
        {
            int equals = entry.indexOf('=');
            if (equals > 0)
                environment.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
        return environment;
    }

    // ---- issue 12, log files and a clean start (CleanStartIT, LogFilesIT) ----

    /** The master's last lifecycle line, once its children have exited and its Hazelcast member is down: 1 ms. */
    static final Pattern CLUSTER_STOPPED = Pattern.compile("egg-cluster stopped in (\\d+) ms");

    /** @return the index of the first line, the master's or a child's, that matches, waiting up to {@code timeout} */
    int awaitLineIndex(Pattern pattern, Duration timeout) throws InterruptedException
    {
        return scan(pattern, timeout, 0, false).index();
    }

    /** @return the lines of output {@code [from, to)}, as the master printed them */
    List<String> lines(int from, int to)
    {
        synchronized (lines)
        {
            return new ArrayList<>(lines.subList(from, to));
        }
    }
}
