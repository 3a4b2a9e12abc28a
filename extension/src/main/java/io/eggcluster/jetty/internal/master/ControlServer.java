package io.eggcluster.jetty.internal.master;

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
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.eggcluster.jetty.internal.Control;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's end of the children's reports ({@link Control}): a Unix domain socket in a fresh directory of mode
 * 0700, so only the master's user can connect, and each connection must first present the token of one child, so a
 * connection speaks for exactly one child and nothing else is obeyed. A connection that does not present a known
 * token within {@link #HANDSHAKE_MS} is closed; at most {@link #MAX_CONNECTIONS} are open at once; lines are cut at
 * {@link Control#MAX_LINE_CHARS}.
 */
final class ControlServer extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
    static final long HANDSHAKE_MS = 2000;
    static final int MAX_CONNECTIONS = 256;
    /** Room left in a Unix socket path (108 bytes) for {@code egg-cluster-<random>/control.sock}. */
    private static final int MAX_PARENT_CHARS = 60;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One child's end: its token, where its lines go, and whether its connection has ended. */
    static final class Channel
    {
        private final String token;
        private final Consumer<String> sink;
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
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
    }

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private Path directory;
    private Path socket;
    private ServerSocketChannel server;
    private ScheduledExecutorService deadlines;

    /** @return the socket's path, for the children's environment */
    Path socket()
    {
        return socket;
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
        deadlines = Executors.newSingleThreadScheduledExecutor(r ->
        {
            Thread thread = new Thread(r, "egg-control-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        Thread acceptor = new Thread(this::accept, "egg-control-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        closeQuietly(server);
        connections.forEach(ControlServer::closeQuietly);
        deadlines.shutdownNow();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(directory);
        channels.values().forEach(c -> c.ended.complete(null));
        super.doStop();
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
            connections.add(connection);
            Thread reader = new Thread(() -> read(connection), "egg-control-in");
            reader.setDaemon(true);
            reader.start();
        }
    }

    private void read(SocketChannel connection)
    {
        Channel channel = null;
        try (connection)
        {
            LineReader in = new LineReader(connection);
            var deadline = deadlines.schedule(() -> closeQuietly(connection), HANDSHAKE_MS, TimeUnit.MILLISECONDS);
            String token = in.readLine();
            deadline.cancel(false);
            channel = token == null ? null : channels.get(token);
            if (channel == null || channel.connected)
            {
                if (token != null)
                    LOG.warn("control socket {}: a connection presented no token of a child; closed", socket);
                channel = null;
                return;
            }
            channel.connected = true;
            for (String line = in.readLine(); line != null; line = in.readLine())
                channel.sink.accept(line);
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

    /** UTF-8 lines from a channel, each cut at {@link Control#MAX_LINE_CHARS} bytes. */
    private static final class LineReader
    {
        private final SocketChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(8192).flip();

        LineReader(SocketChannel channel)
        {
            this.channel = channel;
        }

        String readLine() throws IOException
        {
            byte[] line = new byte[256];
            int length = 0;
            while (true)
            {
                if (!buffer.hasRemaining())
                {
                    buffer.clear();
                    int n = channel.read(buffer);
                    buffer.flip();
                    if (n < 0)
                        return null;
                    continue;
                }
                byte b = buffer.get();
                if (b == '\n')
                    return new String(line, 0, length, StandardCharsets.UTF_8);
                if (length < Control.MAX_LINE_CHARS)
                {
                    if (length == line.length)
                        line = java.util.Arrays.copyOf(line, Math.min(Control.MAX_LINE_CHARS, length * 2));
                    line[length++] = b;
                }
            }
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
