package io.eggcluster.jetty.internal.messenger;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The socket where a process takes the direct copies of its messages, spoken to as {@link DirectSender} does (the
 * token, then {@code [length][frame]}s) and as anyone else who reaches it might.
 */
class DirectReceiverTest
{
    /** As in production with the default jetty.egg.maxMessageBytes. */
    private static final int MAX_FRAME = Frames.HEADER + (1 << 20);
    private static final EggProcess SENDER = new EggProcess(Role.WORKER, 1, 7001);

    private final List<DirectReceiver> receivers = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    /** What the sink took, decoded. */
    private final BlockingQueue<Envelope> received = new LinkedBlockingQueue<>();

    @AfterEach
    void close()
    {
        for (Socket socket : sockets)
        {
            try
            {
                socket.close();
            }
            catch (IOException ignored)
            {
                // closing anyway
            }
        }
        receivers.forEach(r -> LifeCycle.stop(r));
    }

    /** A sink that decodes each frame as the messenger does, and throws whatever decoding throws. */
    private void decode(byte[] frame)
    {
        received.add(Envelope.decode(frame, Frames.HEADER));
    }

    private DirectReceiver receiver(Consumer<byte[]> sink) throws Exception
    {
        return start(new DirectReceiver("test", InetAddress.getLoopbackAddress(), MAX_FRAME, sink,
            DirectReceiver.HANDSHAKE_MS, DirectReceiver.MAX_CONNECTIONS));
    }

    private DirectReceiver receiver(long handshakeMs, int maxConnections) throws Exception
    {
        return start(new DirectReceiver("test", InetAddress.getLoopbackAddress(), MAX_FRAME, this::decode,
            handshakeMs, maxConnections));
    }

    private DirectReceiver start(DirectReceiver receiver) throws Exception
    {
        receiver.start();
        receivers.add(receiver);
        return receiver;
    }

    /** A connection to the receiver's endpoint ({@code pid@host:port/token}), that has sent nothing yet. */
    private Socket connect(DirectReceiver receiver) throws IOException
    {
        String endpoint = receiver.endpoint(1);
        int slash = endpoint.lastIndexOf('/');
        int colon = endpoint.lastIndexOf(':', slash);
        Socket socket = new Socket(endpoint.substring(endpoint.indexOf('@') + 1, colon),
            Integer.parseInt(endpoint.substring(colon + 1, slash)));
        sockets.add(socket);
        return socket;
    }

    private static long token(DirectReceiver receiver) throws IOException
    {
        String endpoint = receiver.endpoint(1);
        return Long.parseUnsignedLong(endpoint.substring(endpoint.lastIndexOf('/') + 1), 16);
    }

    /** A connection that has sent the right token, as {@link DirectSender} opens them. */
    private Socket open(DirectReceiver receiver) throws IOException
    {
        Socket socket = connect(receiver);
        new DataOutputStream(socket.getOutputStream()).writeLong(token(receiver));
        return socket;
    }

    private static void send(Socket socket, byte[] frame) throws IOException
    {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    private static byte[] frame(long seq, Object data)
    {
        return Frames.frame(1, seq, new Envelope(Envelope.Kind.MESSAGE, "m", SENDER, 0, 0, data).encode(1 << 20));
    }

    /** A frame of the right length whose envelope nests 200,000 lists. */
    private static byte[] deepFrame() throws IOException
    {
        byte[] valid = new Envelope(Envelope.Kind.MESSAGE, "m", SENDER, 0, 0, null).encode(1 << 20);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(valid, 0, valid.length - 1);
        for (int i = 0; i < 200_000; i++)
        {
            out.writeByte(12);
            out.writeInt(1);
        }
        out.writeByte(0);
        byte[] frame = Frames.frame(1, 1, bytes.toByteArray());
        assertEquals(true, frame.length <= MAX_FRAME);
        return frame;
    }

    private Object nextData() throws InterruptedException
    {
        Envelope envelope = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(envelope, "no frame reached the sink within 10 s");
        return envelope.data();
    }

    /** Asserts the receiver closes the connection within {@code ms}: EOF or reset, not a timeout. */
    private static void assertClosedWithin(Socket socket, long ms) throws IOException
    {
        socket.setSoTimeout((int)ms);
        InputStream in = socket.getInputStream();
        try
        {
            int read = in.read();
            assertEquals(-1, read, "the receiver sent a byte");
        }
        catch (SocketTimeoutException e)
        {
            fail("the receiver did not close the connection within " + ms + " ms");
        }
        catch (SocketException reset)
        {
            // closed with data unread: a reset
        }
    }

    @Test
    void whateverTheSinkThrowsCostsOneFrameNotTheConnection() throws Exception
    {
        DirectReceiver receiver = receiver(frame ->
        {
            Envelope envelope = Envelope.decode(frame, Frames.HEADER);
            if (envelope.data().equals(1))
                throw new OutOfMemoryError("test");
            if (envelope.data().equals(2))
                throw new StackOverflowError("test");
            received.add(envelope);
        });
        Socket socket = open(receiver);
        send(socket, frame(1, 1));
        send(socket, frame(2, 2));
        send(socket, frame(3, 3));
        assertEquals(3, nextData());
    }

    @Test
    void malformedFramesDoNotStopTheReceiver() throws Exception
    {
        DirectReceiver receiver = receiver(this::decode);
        Socket socket = open(receiver);
        // an envelope nested 200,000 deep: refused by the sink, the connection goes on
        send(socket, deepFrame());
        send(socket, frame(2, "after the deep one"));
        assertEquals("after the deep one", nextData());
        // a length beyond the largest frame: that connection is closed
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(MAX_FRAME + 1);
        out.flush();
        assertClosedWithin(socket, 5000);
        // a negative length too
        Socket negative = open(receiver);
        new DataOutputStream(negative.getOutputStream()).writeInt(-1);
        assertClosedWithin(negative, 5000);
        // the receiver takes new connections still
        send(open(receiver), frame(3, "new connection"));
        assertEquals("new connection", nextData());
    }

    private static List<Thread> readers()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> thread.getName().equals("egg-messenger-direct-in") && thread.isAlive())
            .toList();
    }

    @Test
    void connectionsThatNeverPresentTheTokenAreClosedAtTheDeadlineAndTheirThreadsEnd() throws Exception
    {
        long deadlineMs = 500;
        long slackMs = 1500;
        DirectReceiver receiver = receiver(deadlineMs, DirectReceiver.MAX_CONNECTIONS);
        int count = 200;
        Socket[] idle = new Socket[count];
        long[] connected = new long[count];
        for (int i = 0; i < count; i++)
        {
            idle[i] = connect(receiver);
            connected[i] = System.nanoTime();
        }
        for (int i = 0; i < count; i++)
        {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(connected[i] - System.nanoTime()) + deadlineMs + slackMs;
            assertClosedWithin(idle[i], Math.max(1, leftMs));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected[i]);
            assertTrue(tookMs >= deadlineMs - 100, "connection " + i + " closed after " + tookMs + " ms, before the deadline");
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!readers().isEmpty() && System.nanoTime() < until)
            Thread.sleep(20);
        assertEquals(List.of(), readers(), "threads reading connections that were closed");

        // a sender that presents the token in time is read as before
        send(open(receiver), frame(1, "valid"));
        assertEquals("valid", nextData());
    }

    @Test
    void theDeadlineIsForTheWholeTokenNotEachByteOfIt() throws Exception
    {
        DirectReceiver receiver = receiver(500, DirectReceiver.MAX_CONNECTIONS);
        Socket socket = connect(receiver);
        long start = System.nanoTime();
        byte[] token = new byte[8];
        java.nio.ByteBuffer.wrap(token).putLong(token(receiver));
        try
        {
            for (byte b : token)
            {
                socket.getOutputStream().write(b);
                Thread.sleep(150);
            }
        }
        catch (SocketException closed)
        {
            // the receiver closed it while the token dripped in
        }
        assertClosedWithin(socket, 2000);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 500 + 1500, "closed after " + tookMs + " ms");
    }

    @Test
    void aSenderMayStayIdleLongAfterItsToken() throws Exception
    {
        DirectReceiver receiver = receiver(300, DirectReceiver.MAX_CONNECTIONS);
        Socket socket = open(receiver);
        Thread.sleep(1000);
        send(socket, frame(1, "after a second of nothing"));
        assertEquals("after a second of nothing", nextData());
    }

    @Test
    void connectionsBeyondTheCapAreClosedAsTheyComeUntilOthersGo() throws Exception
    {
        int cap = 4;
        DirectReceiver receiver = receiver(10_000, cap);
        List<Socket> senders = new ArrayList<>();
        for (int i = 0; i < cap; i++)
        {
            Socket sender = open(receiver);
            send(sender, frame(1, "sender " + i));
            assertEquals("sender " + i, nextData());
            senders.add(sender);
        }
        // the cap is reached: more connections, with the right token or not, are closed at once
        for (int i = 0; i < 3; i++)
        {
            Socket extra = connect(receiver);
            try
            {
                new DataOutputStream(extra.getOutputStream()).writeLong(token(receiver));
            }
            catch (SocketException closed)
            {
                // closed already
            }
            assertClosedWithin(extra, 2000);
        }
        // those within the cap go on
        send(senders.get(0), frame(2, "still read"));
        assertEquals("still read", nextData());
        // two go: two new ones are taken again (once their readers have seen them go)
        senders.get(0).close();
        senders.get(1).close();
        for (int i = 0; i < 2; i++)
        {
            String data = "new sender " + i;
            Envelope got = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got == null && System.nanoTime() < until)
            {
                try
                {
                    send(open(receiver), frame(1, data));
                }
                catch (IOException closed)
                {
                    // refused: the receiver has not seen the others go yet
                }
                got = received.poll(200, TimeUnit.MILLISECONDS);
            }
            assertNotNull(got, "no new connection was taken within 10 s once two went");
            assertEquals(data, got.data());
        }
        // and the cap holds again
        Socket extra = connect(receiver);
        assertClosedWithin(extra, 2000);
    }
}
