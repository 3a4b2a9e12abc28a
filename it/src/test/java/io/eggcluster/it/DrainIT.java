package io.eggcluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker stopped with SIGTERM (what the master sends to stop, replace or recycle a worker) drains, in a real
 * cluster of two workers sharing the port: its listening socket closes first, so new connections go to the other
 * worker; the request in flight completes; a keep-alive client's next request on a connection it holds is served,
 * with {@code Connection: close}, not reset nor refused with a 503; idle keep-alive connections are closed at once,
 * not held until the stop timeout. Every outcome is counted by class (success, refused, reset, 5xx).
 */
class DrainIT
{
    private static final long STOP_TIMEOUT_MS = 10_000;
    private static final long IN_FLIGHT_MS = 3000;
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");

    @Test
    void aWorkerStoppedWithSigtermDrainsWithoutFailingARequest() throws Exception
    {
        try (Cluster cluster = Cluster.start("drain", "jetty.egg.workers=2", "jetty.egg.standby=false",
            "jetty.egg.stopTimeout=" + STOP_TIMEOUT_MS))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long victim = ready.workerPids().get(0);
            long other = ready.workerPids().get(1);
            int port = cluster.port();
            assertTrue(listens(victim, port), "worker " + victim + " listens on " + port);

            // three keep-alive connections that the kernel gave to the victim
            ExecutorService clients = Executors.newFixedThreadPool(3);
            try (Connection inFlight = Connection.to(port, victim);
                 Connection busy = Connection.to(port, victim);
                 Connection idle = Connection.to(port, victim))
            {
                drain(cluster, victim, other, inFlight, busy, idle, clients);
            }
            finally
            {
                clients.shutdownNow();
                assertTrue(clients.awaitTermination(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS));
            }
        }
    }

    @Test
    void aWorkerThatServedMaxRequestsIsReplacedWithoutAFailedRequest() throws Exception
    {
        try (Cluster cluster = Cluster.start("recycle", "jetty.egg.workers=1", "jetty.egg.standby=false",
            "jetty.egg.maxRequests=30"))
        {
            long first = cluster.awaitEggReady().workerPids().get(0);
            cluster.awaitLine(Pattern.compile("worker#1:" + first + " asks to be replaced after 30 requests " +
                "\\(jetty.egg.maxRequests=30, jitter 0\\)"), Duration.ZERO, 0, false);
            // one request at a time, each on a new connection, until another worker answers; a single worker, so
            // the old one serves until its replacement has joined the port, then drains
            Map<String, Integer> outcomes = new LinkedHashMap<>();
            long next = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            int requests = 0;
            while (next < 0 && System.nanoTime() < deadline)
            {
                String outcome = newConnection(cluster.port(), first, -1);
                requests++;
                if (outcome.startsWith("served by ") && !outcome.equals("served by the draining worker"))
                    next = Long.parseLong(outcome.substring("served by ".length()));
                else
                    outcomes.merge(outcome, 1, Integer::sum);
                Thread.sleep(20);
            }
            assertTrue(next > 0, "no other worker answered within 90 s: " + outcomes);
            assertEquals(Map.of("served by the draining worker", requests - 1), outcomes,
                "every request before the replacement answered was served by the old worker");
            assertTrue(requests - 1 >= 30, "the old worker served at least its 30 requests: " + (requests - 1));
            cluster.awaitMasterLine(Pattern.compile("worker#1:" + first + " is to be replaced: it asks to be " +
                "recycled: served 30 requests \\(jetty.egg.maxRequests=30, jitter 0\\)"), Duration.ZERO);
            java.util.Optional<ProcessHandle> old = ProcessHandle.of(first);
            if (old.isPresent())
                old.get().onExit().get(30, TimeUnit.SECONDS);
            cluster.awaitLine(Pattern.compile("worker#1:" + first + " drained: no request in flight"),
                Duration.ZERO, 0, false);
            assertEquals(1, Pattern.compile("asks the master for a replacement|asking the master for a replacement")
                .matcher(cluster.output()).results().count(), "the recycle request was sent once");
        }
    }

    private static void drain(Cluster cluster, long victim, long other, Connection inFlight, Connection busy,
                              Connection idle, ExecutorService clients) throws Exception
    {
        int port = cluster.port();
        // a keep-alive client that sends a quick request every 100 ms, on its one connection, until the
        // server says Connection: close: its next request comes during the drain
        CompletableFuture<List<Answer>> busyAnswers =
            CompletableFuture.supplyAsync(() -> busy.loop("/slow?ms=0", 100), clients);
        // the idle one waits for the server to close it
        CompletableFuture<Long> idleClosedAt = CompletableFuture.supplyAsync(idle::awaitClose, clients);
        CompletableFuture<Answer> slow =
            CompletableFuture.supplyAsync(() -> inFlight.request("/slow?ms=" + IN_FLIGHT_MS), clients);
        cluster.awaitLine(Pattern.compile("slow request started: sleeping " + IN_FLIGHT_MS + " ms"),
            Duration.ofSeconds(10), 0, false);
        Thread.sleep(300);
        assertFalse(busyAnswers.isDone(), "the busy client still runs: " + busyAnswers);
        // just after one of its answers, so that its next request (100 ms later) comes once the drain has begun
        int answered = busy.answers;
        while (busy.answers == answered)
            Thread.sleep(1);

        long termAt = System.nanoTime();
        signal("TERM", victim);
        long deadline = termAt + TimeUnit.SECONDS.toNanos(5);
        while (listens(victim, port))
        {
            assertTrue(System.nanoTime() < deadline, "worker " + victim + " still listens 5 s after SIGTERM");
            Thread.sleep(5);
        }
        long closedListenerAt = System.nanoTime();
        long closedListenerMs = msSince(termAt);
        assertFalse(slow.isDone(), "the listening socket closes first, while a request is in flight: " + slow);

        // (c) new connections during the drain: all go to the other worker, none fails
        Map<String, Integer> outcomes = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++)
            outcomes.merge(newConnection(port, victim, other), 1, Integer::sum);
        assertEquals(Map.of("served by the other worker", 20), outcomes, "20 new connections during the drain");
        assertFalse(slow.isDone(), "the 20 new connections were made during the drain");

        // (a) the request in flight completes
        Answer answer = slow.get(STOP_TIMEOUT_MS + 5000, TimeUnit.MILLISECONDS);
        long slowDoneMs = msSince(termAt);
        assertEquals(200, answer.status, answer.toString());
        assertTrue(answer.body.contains("\"sleptMs\":" + IN_FLIGHT_MS), answer.toString());
        assertEquals("close", answer.connection, "the last response on a draining worker's connection");
        assertEquals("closed", inFlight.awaitCloseOutcome(), "then the worker closes the connection");

        // (b) the keep-alive client: every answer complete and 200, the last one with Connection: close, then
        // a clean close (no reset)
        List<Answer> answers = busyAnswers.get(STOP_TIMEOUT_MS + 5000, TimeUnit.MILLISECONDS);
        Answer last = answers.get(answers.size() - 1);
        for (Answer a : answers)
            assertEquals(200, a.status, "every answer of the keep-alive client: " + answers);
        assertEquals("close", last.connection, "its last answer says Connection: close: " + answers);
        assertEquals(victim, last.pid(), "served by the draining worker");
        // whether its last request came during the drain (the SIGTERM goes just after one of its answers, and it
        // pauses 100 ms: it does unless the worker took longer than that to close its listener) or was in flight at
        // the SIGTERM, its answer must be the same
        String lastCame = last.sentAtNanos - termAt > 0 ? "sent " + TimeUnit.NANOSECONDS.toMillis(
            last.sentAtNanos - termAt) + " ms after SIGTERM" : "in flight at SIGTERM";
        assertEquals("closed", busy.awaitCloseOutcome(), "then the worker closes the connection");

        // (d) the idle connection was closed promptly, cleanly, well before the stop timeout
        long idleClosedMs = TimeUnit.NANOSECONDS.toMillis(idleClosedAt.get(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS) -
            termAt);
        assertTrue(idleClosedMs >= 0 && idleClosedMs <= slowDoneMs + 1000,
            "the idle connection closed " + idleClosedMs + " ms after SIGTERM; the in-flight request was done " +
                "after " + slowDoneMs + " ms");
        assertEquals("closed", idle.closeOutcome, "the idle connection was closed, not reset");

        // and the worker is gone once drained, not held to the stop timeout
        java.util.Optional<ProcessHandle> handle = ProcessHandle.of(victim);
        if (handle.isPresent())
            handle.get().onExit().get(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        long exitedMs = msSince(termAt);
        assertTrue(exitedMs < slowDoneMs + STOP_TIMEOUT_MS / 2, "the worker exited " + exitedMs + " ms after " +
            "SIGTERM, its in-flight request done after " + slowDoneMs + " ms");
        Matcher drained = cluster.awaitLine(Pattern.compile("worker#\\d+:" + victim + " drained: no request in " +
            "flight after \\d+ ms; (\\d+) request\\(s\\) came on held connections"), Duration.ofSeconds(5), 0, false);
        // a request the client sent once the listener was seen closed came during the drain, for certain
        if (last.sentAtNanos - closedListenerAt > 0)
            assertEquals("1", drained.group(1), "served during the drain: the keep-alive client's last request");
        System.out.printf("DrainIT: listener closed %d ms after SIGTERM; idle connection closed after %d ms; " +
            "in-flight request done after %d ms; keep-alive client: %d answers, the last %s, %s; worker " +
            "exited after %d ms%n", closedListenerMs, idleClosedMs, slowDoneMs, answers.size(), last, lastCame,
            exitedMs);
    }

    /** One request on a new connection, its outcome by class. */
    private static String newConnection(int port, long victim, long other)
    {
        try (Connection connection = Connection.open(port))
        {
            Answer answer = connection.request("/slow?ms=0");
            if (answer.status != 200)
                return "status " + answer.status;
            return answer.pid() == other ? "served by the other worker" : answer.pid() == victim ?
                "served by the draining worker" : "served by " + answer.pid();
        }
        catch (java.net.ConnectException e)
        {
            return "refused";
        }
        catch (SocketException e)
        {
            return e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : "socket error: " + e;
        }
        catch (IOException e)
        {
            return "error: " + e;
        }
    }

    private static long msSince(long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException
    {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    /**
     * @return whether the process holds a listening TCP socket on the port: its socket inodes
     * ({@code /proc/PID/fd}) against the LISTEN entries of {@code /proc/net/tcp} and {@code tcp6}
     */
    static boolean listens(long pid, int port) throws IOException
    {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd")))
        {
            for (Path fd : fds.toList())
            {
                try
                {
                    Matcher socket = SOCKET.matcher(Files.readSymbolicLink(fd).toString());
                    if (socket.matches())
                        inodes.add(socket.group(1));
                }
                catch (IOException gone)
                {
                    // closed meanwhile
                }
            }
        }
        catch (IOException processGone)
        {
            return false;
        }
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6"))
        {
            for (String line : Files.readAllLines(Path.of(table)))
            {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st ... inode (10th column); st 0A is LISTEN
                if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A") && inodes.contains(f[9]))
                    return true;
            }
        }
        return false;
    }

    /** One response: status, the Connection header, the body, and when its request was sent. */
    record Answer(int status, String connection, String body, long sentAtNanos)
    {
        long pid()
        {
            Matcher m = Pattern.compile("\"pid\":(\\d+)").matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }

        @Override
        public String toString()
        {
            return status + (connection == null ? "" : " Connection: " + connection) + " " +
                body.substring(0, Math.min(body.length(), 80)).replace('\n', ' ');
        }
    }

    /** A client connection, HTTP/1.1 keep-alive: one request at a time, responses read whole. */
    static final class Connection implements AutoCloseable
    {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        /** How the server ended the connection: "closed" (end of stream) or "reset". */
        volatile String closeOutcome;
        /** Responses read whole, so far. */
        volatile int answers;

        private Connection(Socket socket) throws IOException
        {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        static Connection open(int port) throws IOException
        {
            Socket socket = new Socket();
            try
            {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                socket.setSoTimeout((int)STOP_TIMEOUT_MS + 5000);
                return new Connection(socket);
            }
            catch (IOException e)
            {
                socket.close();
                throw e;
            }
        }

        /** A connection the kernel gave to the worker {@code pid}: new ones until one is, at most 200. */
        static Connection to(int port, long pid) throws IOException
        {
            for (int i = 0; i < 200; i++)
            {
                Connection connection = open(port);
                if (connection.request("/slow?ms=0").pid() == pid)
                    return connection;
                connection.close();
            }
            throw new AssertionError("200 new connections, none to worker " + pid);
        }

        Answer request(String path)
        {
            try
            {
                long sent = System.nanoTime();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return read(sent);
            }
            catch (IOException e)
            {
                throw new java.io.UncheckedIOException(path + " failed: " + e, e);
            }
        }

        /** Requests {@code path} every {@code pauseMs} until an answer says Connection: close. */
        List<Answer> loop(String path, long pauseMs)
        {
            List<Answer> answers = new ArrayList<>();
            while (true)
            {
                Answer answer;
                try
                {
                    answer = request(path);
                }
                catch (RuntimeException e)
                {
                    throw new AssertionError("the keep-alive client failed after " + answers.size() + " answers " +
                        answers + ": " + e, e);
                }
                answers.add(answer);
                if ("close".equalsIgnoreCase(answer.connection) || answer.status != 200)
                    return answers;
                try
                {
                    Thread.sleep(pauseMs);
                }
                catch (InterruptedException e)
                {
                    throw new AssertionError(e);
                }
            }
        }

        /** Reads until the server ends the connection. @return when it did ({@link System#nanoTime}) */
        long awaitClose()
        {
            awaitCloseOutcome();
            return System.nanoTime();
        }

        String awaitCloseOutcome()
        {
            try
            {
                int b = in.read();
                closeOutcome = b < 0 ? "closed" : "unexpected byte " + b;
            }
            catch (SocketException e)
            {
                closeOutcome = String.valueOf(e.getMessage()).contains("reset") ? "reset" : "error: " + e;
            }
            catch (IOException e)
            {
                closeOutcome = "error: " + e;
            }
            return closeOutcome;
        }

        private Answer read(long sent) throws IOException
        {
            String status = line();
            if (status == null)
                throw new IOException("the connection ended before a response");
            int code = Integer.parseInt(status.substring(9, 12));
            String connection = null;
            long length = -1;
            boolean chunked = false;
            for (String header = line(); header != null && !header.isEmpty(); header = line())
            {
                String name = header.substring(0, header.indexOf(':')).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(header.indexOf(':') + 1).trim();
                switch (name)
                {
                    case "connection" -> connection = value.toLowerCase(Locale.ROOT);
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
                    default -> { }
                }
            }
            StringBuilder body = new StringBuilder();
            if (chunked)
            {
                for (long size = Long.parseLong(line().trim(), 16); size > 0; size = Long.parseLong(line().trim(), 16))
                {
                    body.append(new String(in.readNBytes((int)size), StandardCharsets.UTF_8));
                    line();
                }
                line();
            }
            else if (length >= 0)
            {
                body.append(new String(in.readNBytes((int)length), StandardCharsets.UTF_8));
            }
            answers++;
            return new Answer(code, connection, body.toString(), sent);
        }

        private String line() throws IOException
        {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0; b = in.read())
            {
                if (b == '\n')
                    return line.toString().replace("\r", "");
                line.append((char)b);
            }
            return line.length() == 0 ? null : line.toString();
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }
}
