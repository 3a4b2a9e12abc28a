package io.eggcluster.jetty.internal.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.ajax.JSON;

/**
 * The client side of the master's control socket, run by {@code bin/egg-cluster} for every command that talks to a
 * running cluster: {@code java -cp egg-cluster-extension.jar:jetty-util-ajax.jar:jetty-util.jar
 * io.eggcluster.jetty.internal.admin.AdminClient --base DIR COMMAND [ARGS]}.
 *
 * <p>The socket is {@code DIR/work/egg-cluster/admin.sock}, a Unix domain socket that only its owner may open. One
 * exchange per connection: the client writes one line of JSON ({@code {"command":"status"}}, {@code "reload"},
 * {@code {"command":"scale","workers":3}}, {@code "stop"}), the master answers one line ({@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"why"}}) and closes. Reload and scale answer once they are done.</p>
 *
 * <p>Commands (arguments are checked here, where they are easy to test; the script checks those of {@code start}):</p>
 * <ul>
 * <li>{@code status [--json]}: the table ({@link StatusTable}), or the status JSON;</li>
 * <li>{@code reload [--timeout S]}, {@code scale N [--timeout S]}: wait for the master's answer (no limit unless
 *     given);</li>
 * <li>{@code stop [--timeout S]}: asks the master to stop, then waits until the pid in its answer is gone (default
 *     60 s); it never signals anything;</li>
 * <li>{@code await-ready --pid P [--timeout S]} (for {@code start --daemon}): waits until the master that the script
 *     started, pid P, says {@code ready}; fails if P exits first; at the timeout sends SIGTERM to P (still the process
 *     started, checked by its start time) and fails;</li>
 * <li>{@code probe}: whether this base's cluster runs (its socket answers, or the script's pid file names a live
 *     {@code start.jar} process whose working directory is the base); prints the master's pid.</li>
 * </ul>
 *
 * <p>Exit status: {@value #OK} done, {@value #FAILED} failed or refused (the reason on stderr), {@value #USAGE} bad
 * arguments, {@value #NOT_RUNNING} not running (no socket, or nobody listening on it; LSB's "program is not
 * running"). What the master answers is only ever printed or compared, never run.</p>
 */
public final class AdminClient
{
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int NOT_RUNNING = 3;

    /** The socket's path relative to the jetty base. */
    static final String SOCKET = "work/egg-cluster/admin.sock";
    /** The pid file {@code bin/egg-cluster start} writes, relative to the jetty base. */
    static final String PID_FILE = "work/egg-cluster/egg-cluster.pid";
    /** The largest answer read: a status of 256 workers is ~200 KB. */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
    /** How long {@code status} and {@code stop} wait for their (immediate) answer. */
    static final long ANSWER_TIMEOUT_MS = 15_000;
    private static final long POLL_MS = 200;

    private final Path base;
    private final Path socket;
    private final PrintStream out;
    private final PrintStream err;

    AdminClient(Path base, Path socket, PrintStream out, PrintStream err)
    {
        this.base = base;
        this.socket = socket;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args)
    {
        System.exit(run(List.of(args), System.out, System.err));
    }

    /**
     * Parses {@code (--base DIR | --socket PATH) COMMAND [ARGS]} and runs the command.
     *
     * @return the exit status
     */
    static int run(List<String> args, PrintStream out, PrintStream err)
    {
        try
        {
            Arguments a = new Arguments(args);
            Path base = null;
            Path socket = null;
            while (a.more() && a.peek().startsWith("--"))
            {
                String option = a.next();
                switch (option)
                {
                    case "--base" -> base = Path.of(a.value(option));
                    case "--socket" -> socket = Path.of(a.value(option));
                    default -> throw new Usage("unknown option " + option);
                }
            }
            if (base == null && socket == null)
                throw new Usage("--base DIR or --socket PATH is required");
            if (socket == null)
                socket = base.resolve(SOCKET);
            if (!a.more())
                throw new Usage("no command");
            AdminClient client = new AdminClient(base, socket, out, err);
            String command = a.next();
            switch (command)
            {
                case "status":
                {
                    boolean json = a.flag("--json");
                    a.done();
                    return client.status(json);
                }
                case "reload":
                {
                    long timeout = a.seconds("--timeout", 0);
                    a.done();
                    return client.reload(timeout);
                }
                case "scale":
                {
                    int workers = a.workers();
                    long timeout = a.seconds("--timeout", 0);
                    a.done();
                    return client.scale(workers, timeout);
                }
                case "stop":
                {
                    long timeout = a.seconds("--timeout", 60);
                    a.done();
                    return client.stop(timeout);
                }
                case "await-ready":
                {
                    long pid = a.pid();
                    long timeout = a.seconds("--timeout", 120);
                    a.done();
                    return client.awaitReady(pid, timeout);
                }
                case "probe":
                {
                    a.done();
                    return client.probe();
                }
                default:
                    throw new Usage("unknown command '" + command + "'");
            }
        }
        catch (Usage x)
        {
            err.println("egg-cluster: " + x.getMessage());
            return USAGE;
        }
    }

    int status(boolean json)
    {
        try
        {
            Map<String, Object> answer = exchange(Map.of("command", "status"), ANSWER_TIMEOUT_MS);
            if (!Boolean.TRUE.equals(answer.get("ok")))
                return refused("status", answer);
            if (!(answer.get("status") instanceof Map<?, ?> status))
                return failed("the master's status answer has no status: " + abbreviate(new SafeJson().toJSON(answer)));
            out.print(json ? new SafeJson().toJSON(status) + "\n" : StatusTable.format(status));
            out.flush();
            return OK;
        }
        catch (NotRunning x)
        {
            err.println("egg-cluster: not running: " + x.getMessage());
            return NOT_RUNNING;
        }
        catch (IOException x)
        {
            return failed(x.getMessage());
        }
    }

    int reload(long timeoutSeconds)
    {
        return change("reload", Map.of("command", "reload"), timeoutSeconds);
    }

    int scale(int workers, long timeoutSeconds)
    {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("command", "scale");
        request.put("workers", workers);
        return change("scale to " + workers + " worker(s)", request, timeoutSeconds);
    }

    /** A request answered when done: the message on stdout, or the reason on stderr. */
    private int change(String what, Map<String, Object> request, long timeoutSeconds)
    {
        try
        {
            Map<String, Object> answer = exchange(request, TimeUnit.SECONDS.toMillis(timeoutSeconds));
            if (!Boolean.TRUE.equals(answer.get("ok")))
                return refused(what, answer);
            out.println(StatusTable.text(answer.get("message")));
            out.flush();
            return OK;
        }
        catch (NotRunning x)
        {
            err.println("egg-cluster: not running: " + x.getMessage());
            return NOT_RUNNING;
        }
        catch (Timeout x)
        {
            return failed("no answer to " + what + " within " + timeoutSeconds + " s; it may still be under way " +
                "(see egg-cluster status)");
        }
        catch (IOException x)
        {
            return failed(what + ": " + x.getMessage());
        }
    }

    int stop(long timeoutSeconds)
    {
        Map<String, Object> answer;
        try
        {
            answer = exchange(Map.of("command", "stop"), ANSWER_TIMEOUT_MS);
        }
        catch (NotRunning x)
        {
            out.println("egg-cluster: not running (" + x.getMessage() + ")");
            return OK;
        }
        catch (IOException x)
        {
            return failed("stop: " + x.getMessage());
        }
        if (!Boolean.TRUE.equals(answer.get("ok")))
            return refused("stop", answer);
        if (!(answer.get("pid") instanceof Number number) || number.longValue() <= 0)
            return failed("the master's answer to stop names no pid: " + abbreviate(new SafeJson().toJSON(answer)));
        WatchedProcess master = WatchedProcess.of(number.longValue());
        out.println("egg-cluster: stopping the master, pid " + master.pid() + " (" +
            StatusTable.text(answer.get("message")) + ")");
        out.flush();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (master.alive())
        {
            if (System.nanoTime() - deadline >= 0)
                return failed("the master, pid " + master.pid() + ", is still running " + timeoutSeconds +
                    " s after it began to stop; nothing was killed (see egg-cluster logs)");
            pause();
        }
        out.println("egg-cluster: stopped in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        return OK;
    }

    int awaitReady(long pid, long timeoutSeconds)
    {
        WatchedProcess master = WatchedProcess.of(pid);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        String last = "no answer on " + socket + " yet";
        while (true)
        {
            if (!master.alive())
                return failed("the master, pid " + pid + ", exited before egg-ready");
            try
            {
                Map<String, Object> answer = exchange(Map.of("command", "status"), ANSWER_TIMEOUT_MS);
                Map<?, ?> status = answer.get("status") instanceof Map<?, ?> map ? map : Map.of();
                Map<?, ?> cluster = status.get("cluster") instanceof Map<?, ?> map ? map : Map.of();
                boolean ours = cluster.get("pid") instanceof Number n && n.longValue() == pid;
                if (Boolean.TRUE.equals(answer.get("ok")) && ours && "ready".equals(cluster.get("state")))
                {
                    out.println("egg-cluster: ready, master pid " + pid + ", " + cluster.get("workers") +
                        " worker(s), egg-ready in " + cluster.get("eggReadyMs") + " ms, serving " + cluster.get("url"));
                    return OK;
                }
                if (!Boolean.TRUE.equals(answer.get("ok")))
                    last = StatusTable.text(answer.get("error"));
                else if (ours)
                    last = "state " + cluster.get("state");
                else
                    last = "the socket answers for another master: " + abbreviate(new SafeJson().toJSON(answer));
            }
            catch (NotRunning x)
            {
                last = x.getMessage();
            }
            catch (IOException x)
            {
                last = x.getMessage();
            }
            if (System.nanoTime() - deadline >= 0)
            {
                boolean stopped = master.terminate();
                return failed("not ready within " + timeoutSeconds + " s (" + last + "); " + (stopped
                    ? "sent SIGTERM to the master it started, pid " + pid
                    : "the master, pid " + pid + ", is gone"));
            }
            pause();
        }
    }

    int probe()
    {
        try
        {
            Map<String, Object> answer = exchange(Map.of("command", "status"), ANSWER_TIMEOUT_MS);
            Object pid = answer.get("status") instanceof Map<?, ?> s && s.get("cluster") instanceof Map<?, ?> c
                ? c.get("pid") : null;
            out.println(StatusTable.text(pid));
            return OK;
        }
        catch (NotRunning x)
        {
            // the socket may not be there yet: a master still starting
        }
        catch (IOException x)
        {
            // something answers there, not as a master would: count it as running, and say so
            err.println("egg-cluster: " + x.getMessage());
            out.println("?");
            return OK;
        }
        Long pid = startedMaster();
        if (pid == null)
            return NOT_RUNNING;
        out.println(pid);
        return OK;
    }

    /**
     * @return the pid in the script's pid file if that process runs {@code start.jar} in this base (a master still
     * starting, before its socket listens), else null
     */
    private Long startedMaster()
    {
        if (base == null)
            return null;
        try
        {
            long pid = Long.parseLong(Files.readString(base.resolve(PID_FILE)).trim());
            if (!WatchedProcess.of(pid).alive())
                return null;
            Path cwd = Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "cwd"));
            String cmdline = Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).replace('\0', ' ');
            return cwd.equals(base.toRealPath()) && cmdline.contains("start.jar") ? pid : null;
        }
        catch (IOException | RuntimeException e)
        {
            return null;
        }
    }

    /**
     * One exchange: connects, writes {@code request} as one line, reads one line back.
     *
     * @param timeoutMs how long to wait for the answer, 0 for as long as it takes
     * @throws NotRunning when there is no socket or nobody listens on it
     * @throws Timeout when {@code timeoutMs} passed without an answer
     * @throws IOException anything else, with a message that names the socket
     */
    Map<String, Object> exchange(Map<String, Object> request, long timeoutMs) throws IOException
    {
        if (!Files.exists(socket))
            throw new NotRunning("no control socket " + socket);
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Thread watchdog = null;
        try (channel)
        {
            try
            {
                channel.connect(UnixDomainSocketAddress.of(socket));
            }
            catch (ConnectException | NoSuchFileException x)
            {
                throw new NotRunning("nobody listens on " + socket + " (" + x.getMessage() + ")");
            }
            catch (IOException x)
            {
                throw new IOException("cannot connect to the control socket " + socket + ": " + x.getMessage() +
                    (String.valueOf(x.getMessage()).contains("ermission") ? " (run as the user who runs the cluster)" : ""), x);
            }
            if (timeoutMs > 0)
                watchdog = closeAfter(channel, timeoutMs);
            try
            {
                ByteBuffer line = ByteBuffer.wrap((new SafeJson().toJSON(request) + "\n").getBytes(StandardCharsets.UTF_8));
                while (line.hasRemaining())
                    channel.write(line);
                return parse(readLine(channel));
            }
            catch (ClosedChannelException x)
            {
                // the watchdog closed it (AsynchronousCloseException while blocked, or before the write)
                throw new Timeout("no answer on " + socket + " within " + timeoutMs + " ms");
            }
            catch (IOException x)
            {
                if (x instanceof Timeout || x instanceof NotRunning)
                    throw x;
                throw new IOException("control socket " + socket + ": " + x.getMessage(), x);
            }
        }
        finally
        {
            if (watchdog != null)
                watchdog.interrupt();
        }
    }

    private static Thread closeAfter(SocketChannel channel, long timeoutMs)
    {
        Thread watchdog = new Thread(() ->
        {
            try
            {
                Thread.sleep(timeoutMs);
                channel.close();
            }
            catch (InterruptedException | IOException done)
            {
                // answered in time, or closed anyway
            }
        }, "egg-cluster-timeout");
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }

    /** @return the answer's line, up to its newline or the end of the stream, at most {@link #MAX_ANSWER_BYTES} */
    private static String readLine(SocketChannel channel) throws IOException
    {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (true)
        {
            buffer.clear();
            int read = channel.read(buffer);
            if (read < 0)
                break;
            byte[] bytes = buffer.array();
            int newline = -1;
            for (int i = 0; i < read && newline < 0; i++)
            {
                if (bytes[i] == '\n')
                    newline = i;
            }
            answer.write(bytes, 0, newline < 0 ? read : newline);
            if (answer.size() > MAX_ANSWER_BYTES)
                throw new IOException("an answer longer than " + MAX_ANSWER_BYTES + " bytes");
            if (newline >= 0)
                break;
        }
        if (answer.size() == 0)
            throw new IOException("the master closed the connection without an answer (did it exit?)");
        return answer.toString(StandardCharsets.UTF_8);
    }

    private static Map<String, Object> parse(String line) throws IOException
    {
        Object answer;
        try
        {
            answer = new SafeJson().fromJSON(line);
        }
        catch (RuntimeException x)
        {
            throw new IOException("an answer that is not JSON (" + x.getMessage() + "): " + abbreviate(line));
        }
        if (!(answer instanceof Map<?, ?> map) || !(map.get("ok") instanceof Boolean))
            throw new IOException("an answer without \"ok\": " + abbreviate(line));
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>)answer;
        return result;
    }

    /** The master's reason, said once: {@code reload failed: ...} as it is, another prefixed with what failed. */
    private int refused(String what, Map<String, Object> answer)
    {
        String error = StatusTable.text(answer.get("error"));
        String command = what.split(" ")[0];
        return failed(error.startsWith(command) ? error : what + " failed: " + error);
    }

    private int failed(String why)
    {
        err.println("egg-cluster: " + why);
        err.flush();
        return FAILED;
    }

    private static String abbreviate(String text)
    {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    private static void pause()
    {
        try
        {
            Thread.sleep(POLL_MS);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", x);
        }
    }

    /** The command line's words, consumed from the front. */
    private static final class Arguments
    {
        private final List<String> words;
        private int next;

        Arguments(List<String> words)
        {
            this.words = new ArrayList<>(words);
        }

        boolean more()
        {
            return next < words.size();
        }

        String peek()
        {
            return words.get(next);
        }

        String next()
        {
            return words.get(next++);
        }

        String value(String option)
        {
            if (!more())
                throw new Usage(option + " needs a value");
            return next();
        }

        /** Takes {@code flag} if it comes next. */
        boolean flag(String flag)
        {
            if (more() && peek().equals(flag))
            {
                next++;
                return true;
            }
            return false;
        }

        /** Takes {@code option S} if it comes next; S is a whole number of seconds, 1..86400. */
        long seconds(String option, long otherwise)
        {
            if (!flag(option))
                return otherwise;
            String value = value(option);
            long seconds = number(option, value);
            if (seconds < 1 || seconds > 86_400)
                throw new Usage(option + " must be 1..86400 seconds, not '" + value + "'");
            return seconds;
        }

        /** Takes the worker count N of {@code scale N}, 1..256. */
        int workers()
        {
            String value = value("scale");
            long workers = number("scale", value);
            if (workers < 1 || workers > 256)
                throw new Usage("scale needs a number of workers 1..256, not '" + value + "'");
            return (int)workers;
        }

        /** Takes {@code --pid P}, which {@code await-ready} requires. */
        long pid()
        {
            if (!flag("--pid"))
                throw new Usage("await-ready needs --pid P");
            String value = value("--pid");
            long pid = number("--pid", value);
            if (pid < 1)
                throw new Usage("--pid must be a process id, not '" + value + "'");
            return pid;
        }

        /** Fails if any word is left. */
        void done()
        {
            if (more())
                throw new Usage("unexpected argument '" + peek() + "'");
        }

        private static long number(String option, String value)
        {
            if (!value.matches("[0-9]{1,9}"))
                throw new Usage(option + " needs a whole number, not '" + value + "'");
            return Long.parseLong(value);
        }
    }

    /** Bad arguments: exit status {@value #USAGE}. */
    static final class Usage extends RuntimeException
    {
        Usage(String message)
        {
            super(message, null, false, false);
        }
    }

    /** No socket, or nobody listening on it: exit status {@value #NOT_RUNNING}. */
    static final class NotRunning extends IOException
    {
        NotRunning(String message)
        {
            super(message);
        }
    }

    /** No answer within the time asked for. */
    static final class Timeout extends IOException
    {
        Timeout(String message)
        {
            super(message);
        }
    }
}
