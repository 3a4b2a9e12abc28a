package io.eggcluster.jetty.internal.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the cluster is (a {@code Type=notify} service, {@code sd_notify(3)}): a listener on the
 * {@link StatusBoard} that sends, from the master's own process (so systemd's default {@code NotifyAccess=main}
 * accepts it), one datagram to {@code $NOTIFY_SOCKET} at each change of {@link ClusterStatus#state()}:
 * <ul>
 *   <li>{@code ready} (the first time: egg-ready, every worker serving, unlike Gunicorn which says it before its
 *   workers exist): {@code READY=1}, {@code STATUS=...}, {@code MAINPID=<the master's pid>};</li>
 *   <li>{@code reloading} (a rolling reload, a scaling, a recycling begins): {@code RELOADING=1},
 *   {@code MONOTONIC_USEC=<CLOCK_MONOTONIC in microseconds>} (systemd 253+ wants it with a reload),
 *   {@code STATUS=...}; then {@code ready} again when it ends: {@code READY=1}, {@code STATUS=...};</li>
 *   <li>{@code stopping}: {@code STOPPING=1}, {@code STATUS=...};</li>
 *   <li>any other change of the one-line status ({@link #statusLine}: the state, the change under way, each worker's
 *   name, pid and state, the URL): {@code STATUS=...} alone. The figures that change every second (memory, CPU,
 *   requests) are not in it, so the once-a-second publications send nothing.</li>
 * </ul>
 *
 * <p>Guarantees: it never blocks the publisher (the socket is non-blocking: a datagram systemd has no room for is
 * dropped, as {@code sd_notify} would fail); a failure to send is logged once and never stops the cluster; when
 * {@code NOTIFY_SOCKET} is unset or empty nothing at all happens ({@link #fromEnvironment} gives null and junixsocket,
 * with its native library, is never loaded). An unusable value (not a path or an {@code @abstract} name, too long,
 * no socket there) is logged at start with the variable's name and value, and the cluster runs on: systemd would
 * then time the start out, which says the same. JDK 17 cannot send to a Unix datagram socket, hence junixsocket,
 * touched only by {@link Datagrams}. The children never see {@code NOTIFY_SOCKET} (the master removes it from
 * their environment): only the master speaks for the service.</p>
 */
public final class SystemdNotifier implements Consumer<ClusterStatus>
{
    /** The environment variable systemd sets for a {@code Type=notify} service. */
    public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";
    /** Longest {@code STATUS=} text sent; systemd shows it in {@code systemctl status}. */
    static final int MAX_STATUS_CHARS = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    private final String socket;
    private final long pid = ProcessHandle.current().pid();
    /** Only touched on the publishing thread (the master's event loop): no lock. */
    private Datagrams datagrams;
    private String state;
    private String status;
    private boolean readySent;
    private boolean failureLogged;

    /**
     * @param environment the master's environment ({@code System.getenv()})
     * @return a notifier for {@code $NOTIFY_SOCKET}, or null when it is unset or empty (not run by systemd)
     */
    public static SystemdNotifier fromEnvironment(Map<String, String> environment)
    {
        String socket = environment.get(NOTIFY_SOCKET);
        return socket == null || socket.isEmpty() ? null : new SystemdNotifier(socket);
    }

    /**
     * Opens a datagram socket at once (junixsocket loads its native library now, not on the event loop later);
     * an unusable {@code socket} is logged, naming {@code NOTIFY_SOCKET} and the value.
     *
     * @param socket a path, or {@code @name} in the abstract namespace
     */
    public SystemdNotifier(String socket)
    {
        this.socket = socket;
        try
        {
            datagrams = new Datagrams(socket);
        }
        catch (IOException e)
        {
            failureLogged = true;
            LOG.warn("{}={} is unusable: {}; systemd will not hear from the master (a Type=notify unit then times " +
                "out its start)", NOTIFY_SOCKET, socket, why(e));
        }
        catch (RuntimeException | LinkageError e)
        {
            // e.g. java.io.tmpdir mounted noexec: junixsocket extracts its library there
            failureLogged = true;
            LOG.warn("{}={} cannot be used: junixsocket, which sends to it, failed: {} (its native library is " +
                "extracted to java.io.tmpdir, or to -Dorg.newsclub.net.unix.library.tmpdir=<dir>); systemd will not " +
                "hear from the master (a Type=notify unit then times out its start)", NOTIFY_SOCKET, socket, why(e));
        }
    }

    /** Sends what changed since the previous status (see the class comment); called by the board's publisher. */
    @Override
    public void accept(ClusterStatus cluster)
    {
        String line = statusLine(cluster);
        boolean stateChanged = !cluster.state().equals(state);
        if (!stateChanged && line.equals(status))
            return;
        List<String> fields = new ArrayList<>();
        if (stateChanged)
        {
            switch (cluster.state())
            {
                case "ready" -> fields.add("READY=1");
                case "reloading" ->
                {
                    fields.add("RELOADING=1");
                    // HotSpot's nanoTime is CLOCK_MONOTONIC on Linux, the clock systemd means
                    fields.add("MONOTONIC_USEC=" + System.nanoTime() / 1000);
                }
                case "stopping" -> fields.add("STOPPING=1");
                default ->
                {
                    // starting: only the status line
                }
            }
        }
        fields.add("STATUS=" + line);
        if (stateChanged && cluster.state().equals("ready") && !readySent)
        {
            fields.add("MAINPID=" + pid);
            readySent = true;
        }
        state = cluster.state();
        status = line;
        send(String.join("\n", fields));
    }

    private void send(String message)
    {
        if (datagrams == null)
            return;
        try
        {
            if (!datagrams.send(message.getBytes(StandardCharsets.UTF_8)))
                throw new IOException("the socket has no room for the datagram (systemd does not read it)");
            LOG.debug("told systemd: {}", message.replace('\n', ' '));
        }
        catch (IOException | RuntimeException e)
        {
            if (failureLogged)
                LOG.debug("telling systemd failed", e);
            else
            {
                failureLogged = true;
                LOG.warn("telling systemd {} through {}={} failed: {} (further failures are not logged)",
                    message.substring(0, message.indexOf('\n') < 0 ? message.length() : message.indexOf('\n')),
                    NOTIFY_SOCKET, socket, why(e));
            }
        }
    }

    private static String why(Throwable failure)
    {
        return failure instanceof IOException && failure.getMessage() != null ? failure.getMessage() : failure.toString();
    }

    /**
     * @return one line for {@code STATUS=}: {@code ready: 2 workers [worker#1:123, worker#2:124], serving
     * http://127.0.0.1:8080/}; a worker that is not ready has its state after its pid, a replacement is marked, the
     * change under way follows the state; control characters become spaces; at most {@link #MAX_STATUS_CHARS}
     */
    static String statusLine(ClusterStatus cluster)
    {
        StringBuilder line = new StringBuilder(cluster.state());
        if (cluster.change() != null && !cluster.change().isEmpty())
            line.append(" (").append(cluster.change()).append(')');
        line.append(": ").append(cluster.workers()).append(cluster.workers() == 1 ? " worker [" : " workers [");
        boolean first = true;
        for (ProcessStatus process : cluster.processes())
        {
            if (!"worker".equals(process.role()))
                continue;
            if (!first)
                line.append(", ");
            first = false;
            line.append(process.name());
            if (process.pid() != null)
                line.append(':').append(process.pid());
            if (process.replacement())
                line.append(" replacement");
            if (!"ready".equals(process.state()))
                line.append(' ').append(process.state());
        }
        line.append(']');
        if (cluster.url() != null)
            line.append(", serving ").append(cluster.url());
        String text = line.toString().replaceAll("\\p{Cntrl}", " ");
        return text.length() <= MAX_STATUS_CHARS ? text : text.substring(0, MAX_STATUS_CHARS - 3) + "...";
    }

    /** The only code that touches junixsocket: loaded only when a notifier is made. */
    private static final class Datagrams
    {
        private final AFUNIXDatagramSocket socket;
        private final AFUNIXSocketAddress target;

        Datagrams(String value) throws IOException
        {
            if (value.startsWith("@"))
                target = AFUNIXSocketAddress.inAbstractNamespace(value.substring(1));
            else if (value.startsWith("/"))
            {
                Path path = Path.of(value);
                if (!Files.exists(path))
                    throw new IOException("no such socket: " + path);
                if (!Files.readAttributes(path, BasicFileAttributes.class).isOther())
                    throw new IOException("not a socket: " + path);
                target = AFUNIXSocketAddress.of(path);
            }
            else
                throw new IOException("neither an absolute path nor an @abstract name (vsock is not supported)");
            socket = AFUNIXDatagramSocket.newInstance();
            socket.getChannel().configureBlocking(false);
        }

        /** @return false when the datagram would have to wait for room */
        boolean send(byte[] message) throws IOException
        {
            return socket.getChannel().send(ByteBuffer.wrap(message), target) > 0;
        }
    }
}
