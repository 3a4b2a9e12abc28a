package io.eggcluster.jetty.internal.master;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control channel seen from the master ({@link ControlServer}), with a child's end speaking the wire form of
 * {@link Control}: only the owner, only with a child's token, only in time; reports in, commands out.
 */
class ControlChannelTest
{
    private final ControlServer server = new ControlServer();

    @AfterEach
    void stop()
    {
        LifeCycle.stop(server);
    }

    private SocketChannel connect() throws Exception
    {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(server.socket()));
        return channel;
    }

    private static void send(SocketChannel channel, String text) throws Exception
    {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining())
            channel.write(buffer);
    }

    /** @return true when the server closed the connection within {@code ms} */
    private static boolean closedWithin(SocketChannel channel, long ms) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        channel.configureBlocking(false);
        ByteBuffer buffer = ByteBuffer.allocate(16);
        while (System.nanoTime() < deadline)
        {
            if (channel.read(buffer) < 0)
                return true;
            Thread.sleep(20);
        }
        return false;
    }

    private static void awaitSize(List<?> list, int size) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (list.size() < size && System.nanoTime() < deadline)
            Thread.sleep(10);
        assertEquals(size, list.size(), String.valueOf(list));
    }

    @Test
    void theSocketIsInADirectoryOnlyItsOwnerMayEnterAndGoesWithTheServer() throws Exception
    {
        server.start();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket().getParent())));
        server.stop();
        assertFalse(Files.exists(server.socket().getParent()), "removed on stop");
    }

    @Test
    void reportsComeInAndCommandsGoOutOnTheChildsOwnConnection() throws Exception
    {
        server.start();
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        ControlServer.Channel one = server.open(first::add);
        server.open(second::add);
        // a command sent before the child connects waits for it
        one.send(Control.start(Role.WORKER, 3));
        try (SocketChannel child = connect())
        {
            Control.LineReader commands = new Control.LineReader(child);
            send(child, one.token() + "\n" + Control.ready() + "\n" + Control.failed("because\nof this") + "\n");
            awaitSize(first, 2);
            assertEquals(List.of("ready", "failed because | of this"), first);
            assertEquals("of this".length(), Control.failure(first.get(1)).length() - "because | ".length());
            assertTrue(second.isEmpty(), "another child's channel hears nothing");

            one.send(Control.eggReady());
            assertEquals(new Control.Start(Role.WORKER, 3), Control.Start.parse(commands.readLine()));
            assertEquals(Control.EGG_READY, commands.readLine());
        }
        one.ended().get(5, TimeUnit.SECONDS);
        assertEquals(2, first.size());
    }

    @Test
    void aFloodingChildGetsAtMostTheLineRateHandedOn() throws Exception
    {
        server.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        ControlServer.Channel channel = server.open(lines::add);
        try (SocketChannel child = connect())
        {
            StringBuilder flood = new StringBuilder(channel.token()).append('\n');
            for (int i = 0; i < 3 * ControlServer.MAX_LINES_PER_SECOND; i++)
                flood.append(Control.heartbeat()).append('\n');
            long start = System.nanoTime();
            send(child, flood.toString());
            Thread.sleep(300);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // written within well under a second: one second's worth handed on (two if the write spanned a second)
            assertTrue(lines.size() >= ControlServer.MAX_LINES_PER_SECOND, lines.size() + " lines");
            assertTrue(lines.size() <= (ms < 1000 ? 2 : 3) * ControlServer.MAX_LINES_PER_SECOND, lines.size() + " lines in " + ms + " ms");
            assertTrue(lines.stream().allMatch(Control.HEARTBEAT::equals));
        }
    }

    @Test
    void aTokenIsGoodForOneConnection() throws Exception
    {
        server.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        ControlServer.Channel one = server.open(lines::add);
        try (SocketChannel channel = connect())
        {
            send(channel, one.token() + "\nready\n");
            awaitSize(lines, 1);
        }
        one.ended().get(5, TimeUnit.SECONDS);
        try (SocketChannel again = connect())
        {
            send(again, one.token() + "\nready\n");
            assertTrue(closedWithin(again, 5000), "a spent token is refused");
        }
        assertEquals(List.of("ready"), lines);
    }

    @Test
    void aWrongTokenIsClosedAtOnceAndObeyedInNothing() throws Exception
    {
        server.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        ControlServer.Channel channel = server.open(lines::add);
        try (SocketChannel wrong = connect())
        {
            send(wrong, "0123456789abcdef\nready\n");
            assertTrue(closedWithin(wrong, 2000), "a wrong token is refused at once");
        }
        assertTrue(lines.isEmpty());
        channel.send(Control.eggReady());
        assertFalse(channel.ended().isDone(), "the child's own channel is still waiting for it");
    }

    @Test
    void aSilentConnectionIsClosedAtTheHandshakeDeadline() throws Exception
    {
        server.start();
        server.open(line -> { });
        try (SocketChannel silent = connect())
        {
            long start = System.nanoTime();
            assertTrue(closedWithin(silent, ControlServer.HANDSHAKE_MS + 3000), "closed at its deadline");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= ControlServer.HANDSHAKE_MS - 100, "not before the deadline: " + ms + " ms");
        }
    }

    @Test
    void connectionsPastTheCapAreClosed() throws Exception
    {
        server.start();
        List<SocketChannel> open = new java.util.ArrayList<>();
        try
        {
            // each presents a child's token, so none is closed at the handshake deadline while the test runs
            for (int i = 0; i < ControlServer.MAX_CONNECTIONS; i++)
            {
                SocketChannel connection = connect();
                open.add(connection);
                send(connection, server.open(line -> { }).token() + "\n");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.getConnections() < ControlServer.MAX_CONNECTIONS && System.nanoTime() < deadline)
                Thread.sleep(10);
            assertEquals(ControlServer.MAX_CONNECTIONS, server.getConnections());
            try (SocketChannel extra = connect())
            {
                assertTrue(closedWithin(extra, ControlServer.HANDSHAKE_MS / 2), "one past the cap is closed at once, " +
                    "not at the handshake deadline");
            }
        }
        finally
        {
            for (SocketChannel channel : open)
                channel.close();
        }
    }

    @Test
    void unknownAndOverlongLinesAreHandedOnAsLinesAndParseAsNoMessage() throws Exception
    {
        server.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        ControlServer.Channel channel = server.open(lines::add);
        try (SocketChannel child = connect())
        {
            send(child, channel.token() + "\nhello master\n" + "x".repeat(Control.MAX_LINE_CHARS + 100) + "\nready\n");
            awaitSize(lines, 3);
        }
        assertEquals("hello master", lines.get(0));
        assertEquals(Control.MAX_LINE_CHARS, lines.get(1).length(), "cut at the limit");
        assertEquals("ready", lines.get(2), "the rest of an overlong line is not taken for a message");
        assertNull(Control.failure("hello master"));
        assertNull(Control.failure("failedx"));
        assertNull(Control.Start.parse("start worker"));
        assertNull(Control.Start.parse("start boss 1"));
        assertNull(Control.Start.parse("start worker 99999999999"));
        assertEquals(new Control.Start(Role.AGENT, 0), Control.Start.parse("start agent 0"));
    }

    @Test
    void aChildThatNeverConnectedEndsWithItsProcess() throws Exception
    {
        server.start();
        ControlServer.Channel channel = server.open(line -> { });
        assertFalse(channel.ended().isDone());
        channel.processEnded();
        assertTrue(channel.ended().isDone());
    }
}
