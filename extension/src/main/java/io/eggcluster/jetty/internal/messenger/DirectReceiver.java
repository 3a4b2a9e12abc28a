package io.eggcluster.jetty.internal.messenger;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a receiver takes the direct copies of its messages: a loopback socket, one reading thread per sending
 * process; a connection starts with this receiver's token (8 bytes), then each frame {@code [length: 4 bytes][frame]}
 * is handed to the messenger as it comes. The direct copies only
 * make delivery faster: every message also reaches the receiver's queue, so a frame lost here (a broken
 * connection, a sender that dies mid-frame) costs time, not the message.
 */
final class DirectReceiver
{
    private static final Logger LOG = LoggerFactory.getLogger(DirectReceiver.class);

    private final String owner;
    private final int maxFrameBytes;
    private final Consumer<byte[]> sink;
    private final ServerSocketChannel server;
    /** What each connection must send first: proof that it was opened for this process (see {@link #endpoint}). */
    private final long token = new java.security.SecureRandom().nextLong();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Opens the socket (a free port on {@code host}) and starts accepting.
     *
     * @param host the address to listen on: the one the cluster's member uses, so senders on other hosts of a
     *             cluster across hosts reach it too
     * @param sink called with each frame, on the thread of the connection it came on
     */
    DirectReceiver(String owner, InetAddress host, int maxFrameBytes, Consumer<byte[]> sink) throws IOException
    {
        this.owner = owner;
        this.maxFrameBytes = maxFrameBytes;
        this.sink = sink;
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(host, 0));
        Thread acceptor = new Thread(this::accept, "egg-messenger-direct-accept");
        acceptor.setDaemon(true);
        acceptor.start();
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

    private void accept()
    {
        while (!closed)
        {
            SocketChannel connection;
            try
            {
                connection = server.accept();
                connection.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            catch (ClosedChannelException e)
            {
                return;
            }
            catch (IOException e)
            {
                if (!closed)
                    LOG.warn("{}: direct messages: cannot accept a connection: {}", owner, e.toString());
                continue;
            }
            connections.add(connection);
            Thread reader = new Thread(() -> read(connection), "egg-messenger-direct-in");
            reader.setDaemon(true);
            reader.start();
        }
    }

    private void read(SocketChannel connection)
    {
        try (connection; DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(connection), 1 << 16)))
        {
            long presented = in.readLong();
            if (presented != token)
            {
                LOG.warn("{}: direct messages: a connection from {} was not opened for this process; closing it", owner,
                    connection.getRemoteAddress());
                return;
            }
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

    private void skipped(byte[] frame, Throwable failure)
    {
        try
        {
            LOG.warn("{}: direct messages: could not handle a message ({} bytes), skipping it: {}", owner, frame.length,
                Frames.describe(failure));
        }
        catch (Throwable x)
        {
            // not even that can be said (the heap is full): the frame is skipped all the same
        }
    }

    void close()
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
    }
}
