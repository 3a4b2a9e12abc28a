package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.eggcluster.jetty.internal.Control;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Dumpable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's end of the control channel ({@link Control}, which lists every message): a Unix domain socket in a
 * fresh directory of mode 0700, so only the master's user can connect, and each connection must first present the
 * token of one child, so a connection speaks for exactly one child and nothing else is obeyed. A connection that
 * does not present a known token within {@link #HANDSHAKE_MS} is closed; at most {@link #MAX_CONNECTIONS} are open at
 * once; a token is good for one connection; lines are cut at {@link Control#MAX_LINE_CHARS}, and a connection gets at
 * most {@link #MAX_LINES_PER_SECOND} lines a second handed on (a child sends a heartbeat a second and a few reports:
 * more is a child gone wrong, whose surplus is counted and logged, not queued for the master). The connection stays
 * open: the child's reports come in on it, the master's commands ({@link Channel#send}) go out on it.
 *
 * <p>Threads: the acceptor and one reader per connection run on this component's {@link QueuedThreadPool}
 * ({@code egg-control}), the handshake deadlines on its {@link ScheduledExecutorScheduler}; both are its beans,
 * started and stopped with it.</p>
 */
@ManagedObject("The master's end of the control channel to its children")
public final class ControlServer extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final long HANDSHAKE_MS = 2000;
    static final int MAX_CONNECTIONS = io.eggcluster.jetty.internal.EggConfig.MAX_CLUSTER_PROCESSES;
    /** Lines a second one connection may send (a heartbeat every 10 ms at the fastest is 100). */
    static final int MAX_LINES_PER_SECOND = 1000;
    /** Room left in a Unix socket path (108 bytes) for {@code egg-cluster-<random>/control.sock}. */
    private static final int MAX_PARENT_CHARS = 60;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One child's end: its token, where its lines go, its connection once made, and whether it has ended. */
    static final class Channel implements Dumpable
    {
        private final String token;
        private final Consumer<String> sink;
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        /** Commands sent before the child connected, written as soon as it does. */
        private final List<String> pending = new ArrayList<>();
        private SocketChannel connection;
        private volatile boolean connected;

        private Channel(String token, Consumer<String> sink)
        {
            this.token = token;
            this.sink = sink;
        }

        String token()
        {
            return token;
        }

        /**
         * @return done when the child's connection has ended (every line it sent handed over), or at once if it
         * never connected and its process is gone ({@link #processEnded})
         */
        CompletableFuture<Void> ended()
        {
            return ended;
        }

        /** The child's process is gone: a channel it never connected is done. */
        void processEnded()
        {
            if (!connected)
                ended.complete(null);
        }

        /**
         * Sends one command line to the child: now when it is connected, else as soon as it connects. A child that
         * is gone is ignored (its exit is reported).
         */
        synchronized void send(String command)
        {
            if (ended.isDone())
                return;
            if (connection == null)
            {
                pending.add(command);
                return;
            }
            write(command);
        }

        private synchronized void attach(SocketChannel connection)
        {
            this.connection = connection;
            connected = true;
            pending.forEach(this::write);
            pending.clear();
        }

        private void write(String command)
        {
            try
            {
                Control.writeLine(connection, command);
            }
            catch (IOException ignored)
            {
                // the child is gone: its exit is reported
            }
        }

        @Override
        public String toString()
        {
            return "channel " + (connected ? "connected" : "not connected") + (ended.isDone() ? ", ended" : "");
        }

        @Override
        public void dump(Appendable out, String indent) throws IOException
        {
            out.append(toString()).append(System.lineSeparator());
        }
    }

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final QueuedThreadPool threads = new QueuedThreadPool(MAX_CONNECTIONS + 1, 1);
    private final Scheduler deadlines = new ScheduledExecutorScheduler("egg-control-deadlines", true);
    private Path directory;
    private volatile Path socket;
    private ServerSocketChannel server;

    ControlServer()
    {
        threads.setName("egg-control");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        threads.setStopTimeout(1000);
        addBean(threads);
        addBean(deadlines);
    }

    /** @return the socket's path, for the children's environment */
    @ManagedAttribute("The control socket's path")
    public String getSocket()
    {
        return String.valueOf(socket);
    }

    Path socket()
    {
        return socket;
    }

    @ManagedAttribute("Connections open on the control socket")
    public int getConnections()
    {
        return connections.size();
    }

    @ManagedAttribute("Children's tokens not presented yet")
    public int getChannels()
    {
        return channels.size();
    }

    /**
     * @param sink gets each line the child sends after its token, in order, on the connection's thread
     * @return a new channel with a fresh random token
     */
    Channel open(Consumer<String> sink)
    {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        Channel channel = new Channel(HexFormat.of().formatHex(bytes), sink);
        channels.put(channel.token, channel);
        return channel;
    }

    /** Forgets a channel: its token is no longer accepted. */
    void close(Channel channel)
    {
        channels.remove(channel.token);
    }

    @Override
    protected void doStart() throws Exception
    {
        // a Unix socket's path has at most ~107 bytes: a long java.io.tmpdir falls back to /tmp
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        if (parent.toAbsolutePath().toString().length() > MAX_PARENT_CHARS)
            parent = Path.of("/tmp");
        directory = Files.createTempDirectory(parent, "egg-cluster-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        socket = directory.resolve("control.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        super.doStart();
        threads.execute(this::accept);
    }

    @Override
    protected void doStop() throws Exception
    {
        closeQuietly(server);
        connections.forEach(ControlServer::closeQuietly);
        super.doStop();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(directory);
        channels.values().forEach(c -> c.ended.complete(null));
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        dumpObjects(out, indent, "socket " + socket + ", " + connections.size() + " connection(s)");
    }

    private void accept()
    {
        long backoffMs = 10;
        long lastWarn = 0;
        while (server.isOpen())
        {
            SocketChannel connection;
            try
            {
                connection = server.accept();
                backoffMs = 10;
            }
            catch (IOException e)
            {
                if (!server.isOpen())
                    return;
                // e.g. out of file descriptors: wait before trying again, and say so once a second at most
                if (System.nanoTime() - lastWarn > TimeUnit.SECONDS.toNanos(1))
                {
                    LOG.warn("control socket {}: cannot accept a connection: {}", socket, e.toString());
                    lastWarn = System.nanoTime();
                }
                sleep(backoffMs);
                backoffMs = Math.min(1000, backoffMs * 2);
                continue;
            }
            if (connections.size() >= MAX_CONNECTIONS)
            {
                closeQuietly(connection);
                continue;
            }
            // the pool has a thread for each connection the cap allows, and one for this loop
            connections.add(connection);
            threads.execute(() -> read(connection));
        }
    }

    private void read(SocketChannel connection)
    {
        Channel channel = null;
        try (connection)
        {
            Control.LineReader in = new Control.LineReader(connection);
            Scheduler.Task deadline = deadlines.schedule(() -> closeQuietly(connection), HANDSHAKE_MS,
                TimeUnit.MILLISECONDS);
            String token = in.readLine();
            deadline.cancel();
            // single use: the token is gone once presented, right or wrong connection
            channel = token == null ? null : channels.remove(token);
            if (channel == null)
            {
                if (token != null)
                    LOG.warn("control socket {}: a connection presented no token of a child; closed", socket);
                return;
            }
            channel.attach(connection);
            long second = System.nanoTime();
            int lines = 0;
            long dropped = 0;
            for (String line = in.readLine(); line != null; line = in.readLine())
            {
                long now = System.nanoTime();
                if (now - second >= TimeUnit.SECONDS.toNanos(1))
                {
                    if (dropped > 0)
                        LOG.warn("control socket {}: a child sent more than {} lines a second: {} line(s) dropped", socket,
                            MAX_LINES_PER_SECOND, dropped);
                    second = now;
                    lines = 0;
                    dropped = 0;
                }
                if (++lines > MAX_LINES_PER_SECOND)
                    dropped++;
                else
                    channel.sink.accept(line);
            }
            if (dropped > 0)
                LOG.warn("control socket {}: a child sent more than {} lines a second: {} line(s) dropped", socket,
                    MAX_LINES_PER_SECOND, dropped);
        }
        catch (IOException e)
        {
            // the child is gone (its exit is reported), or the deadline closed the connection
        }
        finally
        {
            connections.remove(connection);
            if (channel != null)
                channel.ended.complete(null);
        }
    }

    private static void sleep(long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(java.io.Closeable closeable)
    {
        try
        {
            if (closeable != null)
                closeable.close();
        }
        catch (IOException ignored)
        {
            // closing anyway
        }
    }
}
