package io.eggcluster.it;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * HTTP load that counts what a client sees while the server restarts its workers, after Puma's
 * {@code restart_does_not_drop_connections} (test/helpers/integration.rb): N client threads against one port, each
 * counting on its own what became of every request, by kind:
 * <dl>
 *   <dt>{@code ok}</dt><dd>a 200 with its whole Content-Length body (and the expected body, when one is given)</dd>
 *   <dt>{@code reset}</dt><dd>the connection was reset (ECONNRESET, or EPIPE on the write)</dd>
 *   <dt>{@code refused}</dt><dd>the connect failed (ECONNREFUSED, no route)</dd>
 *   <dt>{@code timeout}</dt><dd>no connection, or no (whole) answer, within the timeout</dd>
 *   <dt>{@code bad}</dt><dd>a status other than 200, a head that is not HTTP, a body other than the expected one,
 *   a response without Content-Length, bytes nobody asked for</dd>
 *   <dt>{@code truncated}</dt><dd>the server closed the connection in the middle of its response</dd>
 *   <dt>{@code closed}</dt><dd>the server closed the connection cleanly (FIN) after the request was written, without
 *   a byte of response</dd>
 * </dl>
 * Every one of these but {@code ok} is a failed request ({@link Counts#failed()}). Besides, for information:
 * {@code connClose} responses that carried {@code Connection: close}, {@code idleClosed} connections the server had
 * closed cleanly between two requests, found before the next request was written (not a failure: a client reconnects
 * and nothing was lost), {@code connects} connections opened, {@code requests} requests written.
 * <p>
 * Two modes. {@link Mode#KEEP_ALIVE}: each thread keeps its connection and opens a new one only after a response
 * with {@code Connection: close}, after a failure, or when it finds, just before writing its next request, that the
 * server has closed the connection (a non-blocking read returns end-of-stream). A request written on a connection
 * the server then closes without answering is a failure ({@code closed} or {@code reset}): the check before the write
 * cannot see a close that is still on its way, and a client in the wild cannot either. {@link Mode#NEW_CONNECTION}:
 * a new connection for each request ({@code Connection: close}; the client reads to the server's end of stream, so
 * the server closes first and the client's ports are not held in TIME_WAIT).
 * <p>
 * Plain non-blocking {@link SocketChannel}s with one {@link Selector} per thread (for the timeouts), HTTP/1.1 written
 * by hand, bodies read by Content-Length: nothing retries or reconnects behind the counts' back. After a failed
 * connect a thread waits 10 ms before its next attempt (so that a port nobody listens on does not spin a core); every
 * attempt is counted. {@code rate} bounds the requests per second of all threads together (0: as fast as answered).
 * <p>
 * From a test: {@link #start}, {@link #snapshot()} at any time, {@link #stop()}. From a script (only the JDK needed):
 * <pre>
 * java it/src/test/java/io/eggcluster/it/LoadClient.java port=8080 [host=127.0.0.1] [path=/hello] [expect=hello]
 *      [threads=16] [mode=keepalive|new] [seconds=10] [rate=0] [timeoutMs=5000] [stopFile=PATH]
 * </pre>
 * runs for {@code seconds} (or until {@code stopFile} exists, whichever comes first) and prints one line of
 * {@code key=value} ({@link Counts#toString()}) on standard output, and the first failures, one a line, on standard
 * error.
 */
public final class LoadClient
{
    public enum Mode
    {
        KEEP_ALIVE("keepalive"), NEW_CONNECTION("new");

        final String label;

        Mode(String label)
        {
            this.label = label;
        }

        static Mode of(String label)
        {
            for (Mode mode : values())
            {
                if (mode.label.equals(label))
                    return mode;
            }
            throw new IllegalArgumentException("mode is keepalive or new, not " + label);
        }
    }

    /**
     * @param rate requests per second of all threads together; 0: no bound
     * @param expect the body every 200 must carry, or null for any
     */
    public record Options(String host, int port, String path, String expect, int threads, Mode mode, long timeoutMs,
                          int rate)
    {
        public static Options keepAlive(int port, int threads)
        {
            return new Options("127.0.0.1", port, "/hello", "hello", threads, Mode.KEEP_ALIVE, 5000, 0);
        }

        public static Options newConnection(int port, int threads)
        {
            return new Options("127.0.0.1", port, "/hello", "hello", threads, Mode.NEW_CONNECTION, 5000, 0);
        }

        public Options rate(int requestsPerSecond)
        {
            return new Options(host, port, path, expect, threads, mode, timeoutMs, requestsPerSecond);
        }

        public Options timeoutMs(long millis)
        {
            return new Options(host, port, path, expect, threads, mode, millis, rate);
        }
    }

    // the counters' indices
    private static final int OK = 0, RESET = 1, REFUSED = 2, TIMEOUT = 3, BAD = 4, TRUNCATED = 5, CLOSED = 6,
        CONN_CLOSE = 7, IDLE_CLOSED = 8, CONNECTS = 9, REQUESTS = 10, KINDS = 11;
    private static final String[] NAMES = {"ok", "reset", "refused", "timeout", "bad", "truncated", "closed",
        "connClose", "idleClosed", "connects", "requests"};
    private static final int SAMPLES = 20;

    /** What the threads saw: counts by kind, summed over the threads. */
    public record Counts(Mode mode, long[] values, long nanos)
    {
        public long ok()
        {
            return values[OK];
        }

        public long reset()
        {
            return values[RESET];
        }

        public long refused()
        {
            return values[REFUSED];
        }

        public long timeout()
        {
            return values[TIMEOUT];
        }

        public long bad()
        {
            return values[BAD];
        }

        public long truncated()
        {
            return values[TRUNCATED];
        }

        public long closed()
        {
            return values[CLOSED];
        }

        public long connClose()
        {
            return values[CONN_CLOSE];
        }

        public long idleClosed()
        {
            return values[IDLE_CLOSED];
        }

        public long connects()
        {
            return values[CONNECTS];
        }

        /** @return requests written (a failed connect writes none) */
        public long requests()
        {
            return values[REQUESTS];
        }

        /** @return every outcome but ok: reset, refused, timeout, bad, truncated, closed */
        public long failed()
        {
            return values[RESET] + values[REFUSED] + values[TIMEOUT] + values[BAD] + values[TRUNCATED] +
                values[CLOSED];
        }

        /** @return ok + failed: every attempt that came to an end */
        public long attempts()
        {
            return ok() + failed();
        }

        /** @return what happened between {@code earlier} and this */
        public Counts minus(Counts earlier)
        {
            long[] diff = new long[KINDS];
            for (int i = 0; i < KINDS; i++)
                diff[i] = values[i] - earlier.values[i];
            return new Counts(mode, diff, nanos - earlier.nanos);
        }

        /** @return one line: {@code mode=keepalive ok=.. reset=.. ... failed=.. seconds=.. rps=..} */
        @Override
        public String toString()
        {
            StringBuilder line = new StringBuilder("mode=").append(mode.label);
            for (int i = 0; i < KINDS; i++)
                line.append(' ').append(NAMES[i]).append('=').append(values[i]);
            double seconds = nanos / 1e9;
            line.append(" failed=").append(failed())
                .append(String.format(Locale.ROOT, " seconds=%.2f rps=%.0f", seconds, seconds > 0 ? ok() / seconds : 0));
            return line.toString();
        }
    }

    /**
     * One failed request.
     *
     * @param atNanos when it failed ({@link System#nanoTime()})
     * @param connectionNanos when the connect of the connection it was on (or failed to open) began
     * @param kind reset, refused, timeout, bad, truncated or closed
     */
    public record Failure(long atNanos, long connectionNanos, String kind, String why)
    {
    }

    private static final int MAX_EVENTS = 100_000;

    private final Options options;
    private final InetSocketAddress address;
    private final List<Failure> events = new ArrayList<>();
    private final byte[] request;
    private final List<Worker> workers = new ArrayList<>();
    private final List<String> samples = new ArrayList<>();
    private final long started = System.nanoTime();
    private volatile boolean stopping;

    private LoadClient(Options options)
    {
        this.options = options;
        this.address = new InetSocketAddress(options.host(), options.port());
        this.request = ("GET " + options.path() + " HTTP/1.1\r\nHost: " + options.host() + ":" + options.port() + "\r\n" +
            (options.mode() == Mode.NEW_CONNECTION ? "Connection: close\r\n" : "") + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    /** Starts the threads; each opens its first connection at once. */
    public static LoadClient start(Options options)
    {
        if (options.threads() < 1)
            throw new IllegalArgumentException("threads must be at least 1");
        LoadClient client = new LoadClient(options);
        for (int i = 0; i < options.threads(); i++)
        {
            Worker worker = client.new Worker(i);
            client.workers.add(worker);
        }
        client.workers.forEach(Thread::start);
        return client;
    }

    public Options options()
    {
        return options;
    }

    /** @return the counts so far, summed over the threads (each counter read once, as its thread last wrote it) */
    public Counts snapshot()
    {
        long[] sum = new long[KINDS];
        for (Worker worker : workers)
        {
            for (int i = 0; i < KINDS; i++)
                sum[i] += worker.counts.get(i);
        }
        return new Counts(options.mode(), sum, System.nanoTime() - started);
    }

    /**
     * Waits until at least {@code n} more requests have been answered ok than in {@code from}.
     *
     * @return false when that did not happen within {@code timeoutMs}
     */
    public boolean awaitOk(Counts from, long n, long timeoutMs) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (snapshot().ok() - from.ok() < n)
        {
            if (System.nanoTime() > deadline)
                return false;
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * @return every failure so far (the first 100,000), with when it happened and when its connection was opened:
     * e.g. to tell the requests that failed on connections a killed worker held from those on connections opened
     * after the kill
     */
    public List<Failure> failureEvents()
    {
        synchronized (events)
        {
            return new ArrayList<>(events);
        }
    }

    /** @return the first failures (up to 20), each with its time since start, thread, kind and cause */
    public List<String> failures()
    {
        synchronized (samples)
        {
            return new ArrayList<>(samples);
        }
    }

    /**
     * Stops the threads: each finishes the request it is in (within the timeout) and closes its connection.
     *
     * @return the final counts
     */
    public Counts stop() throws InterruptedException
    {
        stopping = true;
        for (Worker worker : workers)
        {
            worker.join(options.timeoutMs() + 5000);
            if (worker.isAlive())
                throw new IllegalStateException(worker.getName() + " did not stop");
        }
        return snapshot();
    }

    /** One client thread: its own connection, selector, buffer and counters. */
    private final class Worker extends Thread
    {
        private final AtomicLongArray counts = new AtomicLongArray(KINDS);
        private final ByteBuffer buffer = ByteBuffer.allocate(16384);
        private final long periodNanos;
        private Selector selector;
        private SocketChannel channel;
        /** When the connect of the current (or last) connection began. */
        private long connectNanos;
        private long next = System.nanoTime();

        Worker(int index)
        {
            super("load-" + options.mode().label + "-" + index);
            setDaemon(true);
            this.periodNanos = options.rate() > 0 ? TimeUnit.SECONDS.toNanos(options.threads()) / options.rate() : 0;
        }

        private void count(int kind)
        {
            // one writer per counter array: a plain increment, published to snapshot() by the volatile set
            counts.set(kind, counts.get(kind) + 1);
        }

        private void fail(int kind, String why)
        {
            count(kind);
            synchronized (events)
            {
                if (events.size() < MAX_EVENTS)
                    events.add(new Failure(System.nanoTime(), connectNanos, NAMES[kind], why));
            }
            synchronized (samples)
            {
                if (samples.size() < SAMPLES)
                    samples.add(String.format(Locale.ROOT, "+%d ms %s %s: %s",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), getName(), NAMES[kind], why));
            }
            close();
        }

        @Override
        public void run()
        {
            try
            {
                selector = Selector.open();
                while (!stopping)
                {
                    pace();
                    if (channel != null && options.mode() == Mode.KEEP_ALIVE)
                        stillOpen(); // drops the connection the server closed: the request goes on a new one
                    if (channel == null && !connect())
                    {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                        continue;
                    }
                    exchange();
                    if (options.mode() == Mode.NEW_CONNECTION)
                        close();
                }
            }
            catch (IOException e)
            {
                // Selector.open: nothing counted, the thread cannot work
                fail(BAD, "no selector: " + e);
            }
            finally
            {
                close();
                try
                {
                    if (selector != null)
                        selector.close();
                }
                catch (IOException ignored)
                {
                    // closing
                }
            }
        }

        private void pace()
        {
            if (periodNanos == 0)
                return;
            long now = System.nanoTime();
            if (next - now > 0)
                LockSupport.parkNanos(next - now);
            else if (now - next > periodNanos)
                next = now; // fell behind: no burst to catch up
            next += periodNanos;
        }

        /** @return true when connected; else the failure is counted */
        private boolean connect()
        {
            connectNanos = System.nanoTime();
            try
            {
                channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                if (!channel.connect(address))
                {
                    SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
                    if (!await(key, SelectionKey.OP_CONNECT, System.nanoTime() + timeoutNanos()))
                    {
                        fail(TIMEOUT, "no connection within " + options.timeoutMs() + " ms");
                        return false;
                    }
                    channel.finishConnect();
                }
                count(CONNECTS);
                return true;
            }
            catch (ConnectException | NoRouteToHostException e)
            {
                fail(REFUSED, e.toString());
                return false;
            }
            catch (IOException e)
            {
                fail(RESET, "while connecting: " + e);
                return false;
            }
        }

        /**
         * Before a request on a kept connection: a non-blocking read. End of stream: the server closed it between
         * requests, counted idleClosed, and the connection is dropped (not a failure); a reset or unasked bytes are
         * counted failures, and the connection is dropped too.
         *
         * @return true when the connection may carry the next request
         */
        private boolean stillOpen()
        {
            buffer.clear();
            try
            {
                int n = channel.read(buffer);
                if (n == 0)
                    return true;
                if (n < 0)
                {
                    count(IDLE_CLOSED);
                    close();
                }
                else
                    fail(BAD, n + " bytes nobody asked for, between two responses");
            }
            catch (IOException e)
            {
                fail(RESET, "between two requests: " + e);
            }
            return false;
        }

        /** Writes the request and reads its response; every outcome is counted. */
        private void exchange()
        {
            long deadline = System.nanoTime() + timeoutNanos();
            SelectionKey key = channel.keyFor(selector);
            try
            {
                if (key == null)
                    key = channel.register(selector, 0);
                ByteBuffer out = ByteBuffer.wrap(request);
                count(REQUESTS);
                while (out.hasRemaining())
                {
                    if (channel.write(out) == 0 && !await(key, SelectionKey.OP_WRITE, deadline))
                    {
                        fail(TIMEOUT, "request not written within " + options.timeoutMs() + " ms");
                        return;
                    }
                }
                read(key, deadline);
            }
            catch (IOException e)
            {
                fail(RESET, e.toString());
            }
        }

        private void read(SelectionKey key, long deadline) throws IOException
        {
            buffer.clear();
            int headEnd = -1;
            int contentLength = -1;
            boolean connectionClose = false;
            String head = null;
            while (true)
            {
                int n = channel.read(buffer);
                if (n < 0)
                {
                    if (buffer.position() == 0)
                        fail(CLOSED, "the server closed the connection without answering the request written");
                    else
                        fail(TRUNCATED, "end of stream after " + buffer.position() + " bytes of response" +
                            (head == null ? "" : ": " + firstLine(head)));
                    return;
                }
                if (n == 0)
                {
                    if (!buffer.hasRemaining())
                    {
                        fail(BAD, "response larger than " + buffer.capacity() + " bytes");
                        return;
                    }
                    if (!await(key, SelectionKey.OP_READ, deadline))
                    {
                        fail(TIMEOUT, "no whole response within " + options.timeoutMs() + " ms, " +
                            buffer.position() + " bytes of it came");
                        return;
                    }
                    continue;
                }
                if (headEnd < 0)
                {
                    headEnd = indexOfHeadEnd(buffer);
                    if (headEnd < 0)
                        continue;
                    head = new String(buffer.array(), 0, headEnd, StandardCharsets.ISO_8859_1);
                    if (!head.startsWith("HTTP/1.1 ") && !head.startsWith("HTTP/1.0 "))
                    {
                        fail(BAD, "not an HTTP response: " + firstLine(head));
                        return;
                    }
                    Map<String, String> headers = headers(head);
                    connectionClose = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("close");
                    if (connectionClose)
                        count(CONN_CLOSE);
                    if (!head.startsWith("200 ", 9))
                    {
                        fail(BAD, firstLine(head));
                        return;
                    }
                    String length = headers.get("content-length");
                    if (length == null)
                    {
                        fail(BAD, "no Content-Length: " + head.replace("\r\n", " | "));
                        return;
                    }
                    contentLength = Integer.parseInt(length.trim());
                }
                int got = buffer.position() - headEnd - 4;
                if (got < contentLength)
                    continue;
                if (got > contentLength)
                {
                    fail(BAD, (got - contentLength) + " bytes after the body");
                    return;
                }
                String body = new String(buffer.array(), headEnd + 4, contentLength, StandardCharsets.UTF_8);
                if (options.expect() != null && !options.expect().equals(body))
                {
                    fail(BAD, "body '" + body + "' instead of '" + options.expect() + "'");
                    return;
                }
                count(OK);
                if (options.mode() == Mode.NEW_CONNECTION)
                    awaitEnd(key, deadline);
                else if (connectionClose)
                    close();
                return;
            }
        }

        /** After the whole response on a connection that asked for close: waits for the server's end of stream. */
        private void awaitEnd(SelectionKey key, long deadline)
        {
            try
            {
                buffer.clear();
                while (channel.read(buffer) == 0 && await(key, SelectionKey.OP_READ, deadline))
                    buffer.clear();
            }
            catch (IOException ignored)
            {
                // the response came whole: how the server then ended the connection does not matter
            }
        }

        /** @return false when {@code ops} did not become ready before {@code deadline} */
        private boolean await(SelectionKey key, int ops, long deadline) throws IOException
        {
            key.interestOps(ops);
            try
            {
                while (true)
                {
                    long left = deadline - System.nanoTime();
                    if (left <= 0)
                        return false;
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    boolean ready = selector.selectedKeys().remove(key) && (key.readyOps() & ops) != 0;
                    if (ready)
                        return true;
                }
            }
            finally
            {
                if (key.isValid())
                    key.interestOps(0);
            }
        }

        private long timeoutNanos()
        {
            return TimeUnit.MILLISECONDS.toNanos(options.timeoutMs());
        }

        private void close()
        {
            if (channel == null)
                return;
            try
            {
                channel.close();
                // the closed channel's key leaves the selector at its next select
                selector.selectNow();
            }
            catch (IOException ignored)
            {
                // closing
            }
            channel = null;
        }
    }

    private static int indexOfHeadEnd(ByteBuffer buffer)
    {
        byte[] a = buffer.array();
        for (int i = 0; i + 3 < buffer.position(); i++)
        {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n')
                return i;
        }
        return -1;
    }

    private static Map<String, String> headers(String head)
    {
        Map<String, String> headers = new LinkedHashMap<>();
        String[] lines = head.split("\r\n");
        for (int i = 1; i < lines.length; i++)
        {
            int colon = lines[i].indexOf(':');
            if (colon > 0)
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
        return headers;
    }

    private static String firstLine(String head)
    {
        int end = head.indexOf("\r\n");
        return end < 0 ? head : head.substring(0, end);
    }

    /** See the class comment for the arguments. Exit status 0, whatever the counts (the caller judges them). */
    public static void main(String[] args) throws Exception
    {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args)
        {
            int eq = arg.indexOf('=');
            if (eq <= 0)
                throw new IllegalArgumentException("arguments are key=value, not " + arg);
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        if (!a.containsKey("port"))
        {
            System.err.println("usage: LoadClient port=P [host=127.0.0.1] [path=/hello] [expect=hello] [threads=16] " +
                "[mode=keepalive|new] [seconds=10] [rate=0] [timeoutMs=5000] [stopFile=PATH]");
            System.exit(2);
        }
        String expect = a.getOrDefault("expect", "hello");
        Options options = new Options(a.getOrDefault("host", "127.0.0.1"), Integer.parseInt(a.get("port")),
            a.getOrDefault("path", "/hello"), expect.isEmpty() ? null : expect,
            Integer.parseInt(a.getOrDefault("threads", "16")), Mode.of(a.getOrDefault("mode", "keepalive")),
            Long.parseLong(a.getOrDefault("timeoutMs", "5000")), Integer.parseInt(a.getOrDefault("rate", "0")));
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "10"));
        Path stopFile = a.containsKey("stopFile") ? Path.of(a.get("stopFile")) : null;
        LoadClient client = start(options);
        long end = System.nanoTime() + (long)(seconds * 1e9);
        while (System.nanoTime() < end && (stopFile == null || !Files.exists(stopFile)))
            Thread.sleep(20);
        Counts counts = client.stop();
        System.out.println(counts);
        client.failures().forEach(System.err::println);
    }
}
