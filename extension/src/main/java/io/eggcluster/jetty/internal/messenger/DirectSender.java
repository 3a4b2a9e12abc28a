package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the direct copies of a process's messages: one loopback connection per receiving slot, to the process the
 * registry has in that slot now, opened in the background the first time a message goes there. A copy is sent only
 * if the socket takes it at once (never waiting: a receiver that reads slowly gets its messages from its queue); a
 * failed connection is dropped, and the queue delivers.
 *
 * <p>Threads: one, {@code egg-messenger-direct-connect}, which opens connections; started by {@link #doStart},
 * ended by {@link #doStop}, which also closes every connection. Sends run on the caller's thread.</p>
 */
final class DirectSender extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(DirectSender.class);
    /** How long after a failed connection to an endpoint before trying it again. */
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String owner;
    private final Transport transport;
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    /** Endpoint to when the last connection to it was tried. */
    private final Map<String, Long> tried = new ConcurrentHashMap<>();
    private volatile ExecutorService connector;
    private volatile boolean closed;
    private final LongAdder sent = new LongAdder();
    private final LongAdder full = new LongAdder();
    private final LongAdder noLink = new LongAdder();
    private final LongAdder noEndpoint = new LongAdder();

    @Override
    public String toString()
    {
        return "DirectSender[" + owner + "]@" + Integer.toHexString(hashCode()) + "{" + getState() + ", links " +
            links.size() + ", copies sent " + sent + ", not sent: socket full " + full + ", no connection yet " +
            noLink + ", no endpoint " + noEndpoint + "}";
    }

    /** Direct copies written to a socket. */
    long sent()
    {
        return sent.sum();
    }

    /** Direct copies not written: the socket was full, no connection yet, or no endpoint known. */
    long notSent()
    {
        return full.sum() + noLink.sum() + noEndpoint.sum();
    }

    /** Connections open to receivers now. */
    int links()
    {
        return links.size();
    }

    private static final class Link
    {
        final String endpoint;
        /** The pid in the endpoint: the process this connection reaches. */
        final long pid;
        final SocketChannel channel;
        /** The rest of a frame the socket took only part of: it goes out before any other. */
        ByteBuffer[] unfinished;

        Link(String endpoint, SocketChannel channel)
        {
            this.endpoint = endpoint;
            this.pid = Long.parseLong(endpoint.substring(0, endpoint.indexOf('@')));
            this.channel = channel;
        }

        /**
         * Writes as much as the socket takes now, never waiting.
         *
         * @return false when the frame was not written at all (the socket is full)
         */
        synchronized boolean write(byte[] frame) throws IOException
        {
            if (unfinished != null)
            {
                channel.write(unfinished);
                if (unfinished[unfinished.length - 1].hasRemaining())
                    return false;
                unfinished = null;
            }
            ByteBuffer[] buffers = {ByteBuffer.allocate(4).putInt(0, frame.length), ByteBuffer.wrap(frame)};
            if (channel.write(buffers) == 0)
                return false;
            if (buffers[1].hasRemaining())
                unfinished = buffers;
            return true;
        }
    }

    DirectSender(String owner, Transport transport)
    {
        this.owner = owner;
        this.transport = transport;
    }

    @Override
    protected void doStart() throws Exception
    {
        closed = false;
        connector = Executors.newSingleThreadExecutor(r ->
        {
            Thread thread = new Thread(r, "egg-messenger-direct-connect");
            thread.setDaemon(true);
            return thread;
        });
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        closed = true;
        ExecutorService executor = connector;
        if (executor != null)
            executor.shutdownNow();
        links.forEach(this::drop);
        super.doStop();
    }

    /**
     * Sends a frame directly to the process in a slot, if there is a connection to it now; else starts opening one
     * for the next frames.
     *
     * @return true when the frame went out
     */
    boolean send(String slot, byte[] frame)
    {
        String endpoint = transport.endpoints().get(slot);
        Long pid = transport.processes().get(slot);
        Link link = links.get(slot);
        if (link != null && link.endpoint.equals(endpoint) && pid != null && link.pid == pid)
            return write(slot, link, frame);
        // no connection to the process the registry has in the slot now: open one if its endpoint is known
        if (endpoint == null || pid == null || !endpoint.startsWith(pid + "@"))
            noEndpoint.increment();
        else
        {
            noLink.increment();
            connect(slot, endpoint);
        }
        return false;
    }

    private boolean write(String slot, Link link, byte[] frame)
    {
        try
        {
            boolean sent = link.write(frame);
            (sent ? this.sent : full).increment();
            return sent;
        }
        catch (IOException e)
        {
            LOG.debug("{}: direct connection to {} ({}) failed: {}", owner, slot,
                DirectReceiver.printable(link.endpoint), e.toString());
            drop(slot, link);
            return false;
        }
    }

    private void connect(String slot, String endpoint)
    {
        long now = System.nanoTime();
        Long last = tried.get(endpoint);
        ExecutorService executor = connector;
        if (closed || executor == null || (last != null && now - last < RETRY_NANOS))
            return;
        // one thread wins the try
        if (last == null ? tried.putIfAbsent(endpoint, now) != null : !tried.replace(endpoint, last, now))
            return;
        try
        {
            executor.execute(() -> open(slot, endpoint));
        }
        catch (RejectedExecutionException e)
        {
            // closed meanwhile
        }
    }

    /** Connects to {@code pid@host:port/token} and sends the token. */
    private void open(String slot, String endpoint)
    {
        try
        {
            int at = endpoint.indexOf('@');
            int slash = endpoint.lastIndexOf('/');
            int colon = endpoint.lastIndexOf(':', slash);
            SocketChannel channel = SocketChannel.open(new InetSocketAddress(endpoint.substring(at + 1, colon),
                Integer.parseInt(endpoint.substring(colon + 1, slash))));
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer token = ByteBuffer.allocate(8).putLong(0, Long.parseUnsignedLong(endpoint.substring(slash + 1), 16));
            while (token.hasRemaining())
                channel.write(token);
            channel.configureBlocking(false);
            Link previous = links.put(slot, new Link(endpoint, channel));
            if (previous != null)
                previous.channel.close();
            if (closed)
                links.forEach(this::drop);
        }
        catch (IOException | RuntimeException e)
        {
            LOG.debug("{}: no direct connection to {} at {} (its queue delivers): {}", owner, slot,
                DirectReceiver.printable(endpoint), e.toString());
        }
    }

    private void drop(String slot, Link link)
    {
        links.remove(slot, link);
        try
        {
            link.channel.close();
        }
        catch (IOException ignored)
        {
            // dropping anyway
        }
    }
}
