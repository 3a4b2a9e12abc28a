package io.eggcluster.jetty.internal.messenger;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a receiver takes the direct copies of its messages: a loopback socket, one reading thread per sending
 * process; a connection starts with this receiver's token (8 bytes), then each frame {@code [length: 4 bytes][frame]}
 * is handed to the messenger as it comes. The direct copies only
 * make delivery faster: every message also reaches the receiver's queue, so a frame lost here (a broken
 * connection, a sender that dies mid-frame) costs time, not the message.
 *
 * <p>Anyone who reaches the port may connect, so a connection must present the token within a deadline or is closed
 * (and its thread ends), connections beyond a cap are closed as they come, and a failing accept backs off; what is
 * refused is logged at most once an interval, not once a connection.</p>
 *
 * <p>Threads: {@code egg-messenger-direct-accept}, started by {@link #doStart}, and one
 * {@code egg-messenger-direct-in} a connection, started by it; {@link #doStop} closes the socket and every
 * connection, which ends them all.</p>
 */
final class DirectReceiver extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(DirectReceiver.class);
    /** How long a new connection has to present the token. */
    static final long HANDSHAKE_MS = 2000;
    /** How many connections may be open at once, presenting their token or sending: one a sending process. */
    static final int MAX_CONNECTIONS = io.eggcluster.jetty.internal.EggConfig.MAX_CLUSTER_PROCESSES;
    /** How long a failing accept waits before the next, at first; the wait doubles up to {@link #MAX_BACKOFF_MS}. */
    private static final long MIN_BACKOFF_MS = 10;
    private static final long MAX_BACKOFF_MS = 1000;

    private final String owner;
    private final int maxFrameBytes;
    private final Consumer<byte[]> sink;
    private final long handshakeMs;
    private final int maxConnections;
    private final InetAddress host;
    private volatile ServerSocketChannel server;
    /** What each connection must send first: proof that it was opened for this process (see {@link #endpoint}). */
    private final long token = new java.security.SecureRandom().nextLong();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final Throttle acceptFailures = new Throttle(TimeUnit.SECONDS.toNanos(1));
    private final Throttle overCap = new Throttle(TimeUnit.SECONDS.toNanos(10));
    private final Throttle strangers = new Throttle(TimeUnit.SECONDS.toNanos(10));
    private volatile boolean closed;

    /**
     * @param host the address to listen on: the one the cluster's member uses, so senders on other hosts of a
     *             cluster across hosts reach it too
     * @param sink called with each frame, on the thread of the connection it came on
     * @param handshakeMs how long a new connection has to present the token before it is closed
     *                    ({@link #HANDSHAKE_MS} in a cluster)
     * @param maxConnections how many connections may be open at once; more are closed as they come
     *                       ({@link #MAX_CONNECTIONS} in a cluster)
     */
    DirectReceiver(String owner, InetAddress host, int maxFrameBytes, Consumer<byte[]> sink, long handshakeMs,
                   int maxConnections)
    {
        if (handshakeMs <= 0 || maxConnections <= 0)
            throw new IllegalArgumentException("handshake deadline " + handshakeMs + " ms and connection cap " +
                maxConnections + " must be positive");
        this.owner = owner;
        this.host = host;
        this.maxFrameBytes = maxFrameBytes;
        this.sink = sink;
        this.handshakeMs = handshakeMs;
        this.maxConnections = maxConnections;
    }

    /** Opens the socket (a free port on the host) and starts accepting. */
    @Override
    protected void doStart() throws Exception
    {
        closed = false;
        ServerSocketChannel channel = ServerSocketChannel.open();
        try
        {
            channel.bind(new InetSocketAddress(host, 0));
        }
        catch (IOException | RuntimeException e)
        {
            channel.close();
            throw e;
        }
        server = channel;
        Thread acceptor = new Thread(() -> accept(channel), "egg-messenger-direct-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        super.doStart();
    }

    /** Connections open now (presenting their token or sending). */
    int connections()
    {
        return connections.size();
    }

    /**
     * @return {@code pid@host:port/token}: where senders connect, and the token each connection sends first, so a
     * connection to a port that is not this process's (a stale endpoint, another host's loopback) delivers nothing
     */
    String endpoint(long pid) throws IOException
    {
        InetSocketAddress address = (InetSocketAddress)server.getLocalAddress();
        return pid + "@" + address.getAddress().getHostAddress() + ":" + address.getPort() + "/" + Long.toHexString(token);
    }

    /**
     * @return {@code pid@host:port} of an {@link #endpoint}: what a log line or a dump may show (the token is a
     * credential: whoever has it may send this process direct copies)
     */
    static String printable(String endpoint)
    {
        int slash = endpoint.lastIndexOf('/');
        return slash < 0 ? endpoint : endpoint.substring(0, slash);
    }

    private void accept(ServerSocketChannel server)
    {
        long backoffMs = MIN_BACKOFF_MS;
        while (!closed)
        {
            SocketChannel connection;
            try
            {
                connection = server.accept();
            }
            catch (ClosedChannelException e)
            {
                return;
            }
            catch (IOException e)
            {
                // out of file descriptors, say: trying again at once would only spin
                if (closed)
                    return;
                long waitMs = backoffMs;
                acceptFailures.warn(n -> LOG.warn("{}: direct messages: cannot accept a connection ({} times since the " +
                    "last report, next try in {} ms): {}", owner, n, waitMs, e.toString()));
                pause(waitMs);
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                continue;
            }
            backoffMs = MIN_BACKOFF_MS;
            if (connections.size() >= maxConnections)
            {
                closeQuietly(connection);
                overCap.warn(n -> LOG.warn("{}: direct messages: {} connections are open, the most allowed; closed {} " +
                    "more as they came", owner, maxConnections, n));
                continue;
            }
            connections.add(connection);
            if (closed)
            {
                // close() may have gone through the connections before this one was added
                closeQuietly(connection);
                return;
            }
            try
            {
                Thread reader = new Thread(() -> read(connection), "egg-messenger-direct-in");
                reader.setDaemon(true);
                reader.start();
            }
            catch (Throwable x)
            {
                // no thread to be had (out of memory or of processes): this connection goes, the next may not
                connections.remove(connection);
                closeQuietly(connection);
                acceptFailures.warn(n -> LOG.warn("{}: direct messages: no thread to read a connection ({} times since " +
                    "the last report): {}", owner, n, Frames.describe(x)));
                pause(MIN_BACKOFF_MS);
            }
        }
    }

    private static void pause(long ms)
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

    private static void closeQuietly(SocketChannel connection)
    {
        try
        {
            connection.close();
        }
        catch (IOException ignored)
        {
            // closing anyway
        }
    }

    private void read(SocketChannel connection)
    {
        try (connection)
        {
            if (!handshake(connection))
                return;
            connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(connection), 1 << 16));
            while (!closed)
            {
                int length = in.readInt();
                if (length < Frames.HEADER || length > maxFrameBytes)
                {
                    LOG.warn("{}: direct messages: a frame of {} bytes from {} is not a frame; closing that connection",
                        owner, length, connection.getRemoteAddress());
                    return;
                }
                byte[] frame = new byte[length];
                in.readFully(frame);
                try
                {
                    sink.accept(frame);
                }
                catch (Throwable x)
                {
                    // whatever the handling of one frame throws, an Error included, costs that frame, not the
                    // connection
                    skipped(frame, x);
                }
            }
        }
        catch (EOFException | ClosedChannelException e)
        {
            // the sender went away, or we are closing: its messages also went to the queue
        }
        catch (IOException e)
        {
            if (!closed)
                LOG.debug("{}: direct connection ended: {}", owner, e.toString());
        }
        finally
        {
            connections.remove(connection);
        }
    }

    /**
     * Reads the token the connection must send first, within the deadline: a channel's own stream would wait for
     * ever, its socket's stream honours SO_TIMEOUT. Cleared afterwards: a sender's connection stays open, and may
     * stay idle for long.
     *
     * @return whether the connection presented this receiver's token in time
     */
    private boolean handshake(SocketChannel connection) throws IOException
    {
        Socket socket = connection.socket();
        InputStream in = socket.getInputStream();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(handshakeMs);
        byte[] presented = new byte[Long.BYTES];
        boolean proved;
        try
        {
            for (int read = 0; read < presented.length; )
            {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0)
                    throw new SocketTimeoutException();
                socket.setSoTimeout((int)Math.min(leftMs, Integer.MAX_VALUE));
                int n = in.read(presented, read, presented.length - read);
                if (n < 0)
                    throw new EOFException();
                read += n;
            }
            socket.setSoTimeout(0);
            proved = ByteBuffer.wrap(presented).getLong() == token;
        }
        catch (SocketTimeoutException e)
        {
            proved = false;
        }
        if (!proved)
        {
            String from = String.valueOf(socket.getRemoteSocketAddress());
            strangers.warn(n -> LOG.warn("{}: direct messages: closed {} connection(s) not opened for this process: " +
                "they did not present its token within {} ms (the last from {})", owner, n, handshakeMs, from));
        }
        return proved;
    }

    private void skipped(byte[] frame, Throwable failure)
    {
        Frames.logSkipped(LOG, owner + ": direct messages:", frame, failure);
    }

    @Override
    protected void doStop() throws Exception
    {
        closed = true;
        try
        {
            server.close();
        }
        catch (IOException ignored)
        {
            // closing anyway
        }
        for (SocketChannel connection : connections)
            closeQuietly(connection);
        super.doStop();
    }

    @Override
    public String toString()
    {
        return "DirectReceiver[" + owner + "]@" + Integer.toHexString(hashCode()) + "{" + getState() + ", " +
            connections.size() + " connection(s)}";
    }

    /**
     * Logs what is refused at most once an interval, with how many times it happened since: a peer that fails
     * again and again fills no disk.
     */
    private static final class Throttle
    {
        private final long intervalNanos;
        private long last;
        private long count;
        private boolean logged;

        Throttle(long intervalNanos)
        {
            this.intervalNanos = intervalNanos;
        }

        /** Counts one more, and calls {@code log} with the count so far if the interval has passed. */
        void warn(java.util.function.LongConsumer log)
        {
            long n;
            synchronized (this)
            {
                count++;
                long now = System.nanoTime();
                if (logged && now - last < intervalNanos)
                    return;
                logged = true;
                last = now;
                n = count;
                count = 0;
            }
            log.accept(n);
        }
    }
}
