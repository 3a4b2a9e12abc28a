package io.eggcluster.jetty.internal.admin;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.eclipse.jetty.util.ajax.JSON;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' control socket: a Unix domain socket at {@code ${jetty.base}/work/egg-cluster/admin.sock}, in a
 * directory only this user may enter (0700), the socket itself 0600, and each peer's user checked against this
 * process's ({@code SO_PEERCRED}): only the user who runs the cluster (and root) may ask anything. Its client is
 * {@code bin/egg-cluster} ({@link AdminClient}).
 *
 * <p>Protocol: the client writes one line of JSON (UTF-8, at most {@value #MAX_REQUEST_BYTES} bytes, within
 * {@value #REQUEST_TIMEOUT_MS} ms of connecting), the server answers one line of JSON and closes:</p>
 * <table>
 *   <caption>Requests and answers</caption>
 *   <tr><td>{@code {"command":"status"}}</td><td>{@code {"ok":true,"status":{...}}} ({@link ClusterStatus#toJson})</td></tr>
 *   <tr><td>{@code {"command":"reload"}}</td><td>once the rolling reload is done: {@code {"ok":true,"message":"reload done in ..."}}</td></tr>
 *   <tr><td>{@code {"command":"scale","workers":3}}</td><td>once there are that many: {@code {"ok":true,"message":"3 worker(s) [...]"}}</td></tr>
 *   <tr><td>{@code {"command":"stop"}}</td><td>at once: {@code {"ok":true,"message":"stopping","pid":4711}}; then the cluster stops</td></tr>
 *   <tr><td>anything else, or a failure</td><td>{@code {"ok":false,"error":"why"}}</td></tr>
 * </table>
 *
 * <p>A socket file left by a master that was killed is replaced; one that answers belongs to a running cluster, and
 * this master refuses to start on the same base.</p>
 */
public class AdminSocket extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(AdminSocket.class);
    /** The longest request line. */
    public static final int MAX_REQUEST_BYTES = 4096;
    /** A client must have sent its request line this soon after connecting. */
    public static final long REQUEST_TIMEOUT_MS = 5000;
    /** Connections served at once (reload and scale keep theirs open until done); more are closed at once. */
    static final int MAX_CONNECTIONS = 16;

    private final Path path;
    private final StatusBoard board;
    private final AdminCommands commands;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private ServerSocketChannel server;
    private ScheduledExecutorService timeouts;
    private UserPrincipal owner;

    public AdminSocket(Path path, StatusBoard board, AdminCommands commands)
    {
        this.path = path;
        this.board = board;
        this.commands = commands;
    }

    /** @return where the socket is */
    public Path getPath()
    {
        return path;
    }

    @Override
    protected void doStart() throws Exception
    {
        Path dir = path.getParent();
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        owner = Files.getOwner(dir);
        if (!owner.getName().equals(System.getProperty("user.name")))
            throw new IllegalStateException(dir + " belongs to " + owner.getName() + ", not to " +
                System.getProperty("user.name") + ", who runs this master: the control socket is not made there");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        if (Files.exists(path))
            takeOverStale();
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        timeouts = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "egg-admin-timeouts"));
        daemon(this::accept, "egg-admin").start();
        LOG.info("control socket {} (owner only): bin/egg-cluster status|reload|scale|stop", path);
    }

    /** A socket file is there: a running cluster's (refused) or a dead master's (replaced). */
    private void takeOverStale() throws IOException
    {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            probe.connect(UnixDomainSocketAddress.of(path));
        }
        catch (IOException refused)
        {
            LOG.info("removing {}, left by a master that did not stop ({})", path, refused.toString());
            Files.deleteIfExists(path);
            return;
        }
        throw new IllegalStateException("another egg-cluster master is running on this jetty base: its control " +
            "socket " + path + " answers (stop it with bin/egg-cluster stop, or give this cluster a base of its own)");
    }

    @Override
    protected void doStop() throws Exception
    {
        if (server != null)
            server.close();
        for (SocketChannel channel : open)
            close(channel);
        if (timeouts != null)
            timeouts.shutdownNow();
        Files.deleteIfExists(path);
    }

    private void accept()
    {
        while (server.isOpen())
        {
            SocketChannel channel;
            try
            {
                channel = server.accept();
            }
            catch (IOException e)
            {
                if (server.isOpen())
                    LOG.warn("control socket {}: accept failed: {}", path, e.toString());
                return;
            }
            if (open.size() >= MAX_CONNECTIONS)
            {
                LOG.warn("control socket {}: {} connections open already: one more closed", path, open.size());
                close(channel);
                continue;
            }
            open.add(channel);
            daemon(() -> serve(channel), "egg-admin-request").start();
        }
    }

    private void serve(SocketChannel channel)
    {
        try
        {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().equals(owner) && !peer.user().getName().equals("root"))
            {
                LOG.warn("control socket {}: a connection of user {} refused (only {} may use it)", path,
                    peer.user().getName(), owner.getName());
                return;
            }
            ScheduledFuture<?> timeout = timeouts.schedule(() -> close(channel), REQUEST_TIMEOUT_MS,
                TimeUnit.MILLISECONDS);
            String line = readLine(channel);
            timeout.cancel(false);
            if (line == null)
                return;
            Map<String, Object> answer;
            try
            {
                answer = answer(channel, line);
            }
            catch (Exception x)
            {
                answer = error(x.getMessage() == null ? x.toString() : x.getMessage());
            }
            boolean stop = "stop".equals(answer.remove("command"));
            write(channel, answer);
            if (stop)
                commands.stop();
        }
        catch (IOException e)
        {
            LOG.debug("control socket {}: a connection ended: {}", path, e.toString());
        }
        finally
        {
            close(channel);
        }
    }

    /** @return the answer to one request line; waits for a reload or a scaling */
    private Map<String, Object> answer(SocketChannel channel, String line) throws Exception
    {
        Object parsed;
        try
        {
            parsed = new JSON().fromJSON(line);
        }
        catch (RuntimeException e)
        {
            return error("the request is not JSON: expected e.g. {\"command\":\"status\"}");
        }
        if (!(parsed instanceof Map<?, ?> request) || !(request.get("command") instanceof String command))
            return error("the request has no \"command\": expected e.g. {\"command\":\"status\"}");
        switch (command)
        {
            case "status" ->
            {
                ClusterStatus status = board.current();
                if (status == null)
                    return error("the master is starting: no status yet");
                Map<String, Object> ok = ok();
                ok.put("status", status.toJson());
                return ok;
            }
            case "reload" ->
            {
                return done(commands.reload());
            }
            case "scale" ->
            {
                Object workers = request.get("workers");
                if (!(workers instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) ||
                    n.longValue() < 1 || n.longValue() > Integer.MAX_VALUE)
                    return error("scale: \"workers\" must be a whole number >= 1, not " + new JSON().toJSON(workers));
                return done(commands.scale(n.intValue()));
            }
            case "stop" ->
            {
                Map<String, Object> ok = ok();
                ok.put("message", "stopping");
                ok.put("pid", ProcessHandle.current().pid());
                // the stop itself once this answer is written (see serve)
                ok.put("command", "stop");
                return ok;
            }
            default ->
            {
                return error("unknown command '" + command + "': expected status, reload, scale or stop");
            }
        }
    }

    private static Map<String, Object> done(CompletableFuture<String> result) throws InterruptedException
    {
        try
        {
            Map<String, Object> ok = ok();
            ok.put("message", result.get());
            return ok;
        }
        catch (java.util.concurrent.ExecutionException e)
        {
            Throwable cause = e.getCause();
            return error(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        }
    }

    private static Map<String, Object> ok()
    {
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("ok", true);
        return ok;
    }

    private static Map<String, Object> error(String why)
    {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("ok", false);
        error.put("error", why);
        return error;
    }

    /** @return the request line without its break, or null when the client closed or sent too much */
    private String readLine(SocketChannel channel) throws IOException
    {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_REQUEST_BYTES + 1);
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
                return null;
            for (int i = 0; i < buffer.position(); i++)
            {
                if (buffer.get(i) == '\n')
                    return new String(buffer.array(), 0, i, StandardCharsets.UTF_8);
            }
        }
        write(channel, error("the request is longer than " + MAX_REQUEST_BYTES + " bytes"));
        // the rest is read and dropped (until the client closes, or the request's timeout closes the connection):
        // closing with unread bytes would reset the connection before the client reads the answer
        channel.shutdownOutput();
        buffer.clear();
        while (channel.read(buffer) >= 0)
            buffer.clear();
        return null;
    }

    private static void write(SocketChannel channel, Map<String, Object> answer) throws IOException
    {
        ByteBuffer bytes = ByteBuffer.wrap((new JSON().toJSON(answer) + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining())
            channel.write(bytes);
    }

    private void close(SocketChannel channel)
    {
        open.remove(channel);
        try
        {
            channel.close();
        }
        catch (IOException ignored)
        {
            // closing
        }
    }

    private static Thread daemon(Runnable task, String name)
    {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public String toString()
    {
        return "AdminSocket@" + path;
    }
}
