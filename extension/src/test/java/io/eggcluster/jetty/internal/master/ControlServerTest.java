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

import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The master's control socket: only the owner, only with a child's token, only in time. */
class ControlServerTest
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

    @Test
    void theSocketIsInADirectoryOnlyItsOwnerMayEnter() throws Exception
    {
        server.start();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(server.socket().getParent())));
        server.stop();
        assertFalse(Files.exists(server.socket().getParent()), "removed on stop");
    }

    @Test
    void linesReachTheChildWhoseTokenCameFirstAndNoOther() throws Exception
    {
        server.start();
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        ControlServer.Channel one = server.open(first::add);
        server.open(second::add);
        try (SocketChannel channel = connect())
        {
            send(channel, one.token() + "\nready\nfailed because\n");
        }
        one.ended().get(5, TimeUnit.SECONDS);
        assertEquals(List.of("ready", "failed because"), first);
        assertTrue(second.isEmpty());

        // the token is spent: a second connection with it is not obeyed
        try (SocketChannel channel = connect())
        {
            send(channel, one.token() + "\nready\n");
            assertTrue(closedWithin(channel, 5000));
        }
        assertEquals(2, first.size());
    }

    @Test
    void aConnectionWithoutAKnownTokenIsClosedAndObeyedInNothing() throws Exception
    {
        server.start();
        List<String> lines = new CopyOnWriteArrayList<>();
        server.open(lines::add);
        try (SocketChannel wrong = connect(); SocketChannel silent = connect())
        {
            send(wrong, "0123456789abcdef\nready\n");
            assertTrue(closedWithin(wrong, 2000), "a wrong token is refused at once");
            assertTrue(closedWithin(silent, ControlServer.HANDSHAKE_MS + 2000), "a silent connection is closed at its deadline");
        }
        assertTrue(lines.isEmpty());
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
