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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.util.ajax.JSON;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminSocketTest
{
    @TempDir
    Path base;
    private AdminSocket socket;
    private final StatusBoard board = new StatusBoard();
    private final AtomicInteger stops = new AtomicInteger();
    private volatile CompletableFuture<String> reload = CompletableFuture.completedFuture("reload done in 5 ms: workers []");
    private volatile int scaledTo;

    private final AdminCommands commands = new AdminCommands()
    {
        @Override
        public CompletableFuture<String> reload()
        {
            return reload;
        }

        @Override
        public CompletableFuture<String> scale(int workers)
        {
            scaledTo = workers;
            return workers > 3 ? CompletableFuture.failedFuture(new IllegalStateException("no room")) :
                CompletableFuture.completedFuture(workers + " worker(s)");
        }

        @Override
        public CompletableFuture<String> stop()
        {
            stops.incrementAndGet();
            return CompletableFuture.completedFuture("stopping");
        }
    };

    private Path path()
    {
        return base.resolve("work/egg-cluster/admin.sock");
    }

    private AdminSocket start() throws Exception
    {
        socket = new AdminSocket(path(), board, commands);
        socket.start();
        return socket;
    }

    @AfterEach
    void stop() throws Exception
    {
        if (socket != null)
            socket.stop();
    }

    private String ask(String line) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path())))
        {
            channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
            return readAll(channel);
        }
    }

    private static String readAll(SocketChannel channel) throws IOException
    {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        while (channel.read(buffer) >= 0)
        {
            if (!buffer.hasRemaining())
                break;
        }
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String answer)
    {
        assertTrue(answer.endsWith("\n"), "one line: " + answer);
        return (Map<String, Object>)new JSON().fromJSON(answer.trim());
    }

    @Test
    void ownerOnly() throws Exception
    {
        start();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path().getParent())));
    }

    @Test
    void statusIsTheBoardsLatest() throws Exception
    {
        start();
        assertEquals(Map.of("ok", false, "error", "the master is starting: no status yet"),
            json(ask("{\"command\":\"status\"}\n")));
        ProcessStatus master = new ProcessStatus("master", 0, "master", 42L, "ready", false, 1000L, 0, null, 1024L,
            1.5, 2.0, 10L, null, null, null, null, null, null);
        board.publish(new ClusterStatus("ready", null, 42, 1000, 900L, 2, "http://127.0.0.1:1/", "/base",
            Map.of("java", "17"), List.of(master), 123));
        Map<String, Object> answer = json(ask("{\"command\":\"status\"}\n"));
        assertEquals(true, answer.get("ok"));
        Map<?, ?> status = (Map<?, ?>)answer.get("status");
        assertEquals("ready", ((Map<?, ?>)status.get("cluster")).get("state"));
        Object[] rows = (Object[])status.get("processes");
        assertEquals(42L, ((Map<?, ?>)rows[0]).get("pid"));
        assertTrue(((Map<?, ?>)rows[0]).containsKey("requests"), "a null figure is there, as null");
        assertNull(((Map<?, ?>)rows[0]).get("requests"));
    }

    @Test
    void reloadAndScaleAnswerWhenDone() throws Exception
    {
        start();
        reload = new CompletableFuture<>();
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return ask("{\"command\":\"reload\"}\n");
            }
            catch (IOException e)
            {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(answer.isDone(), "no answer before the reload is done");
        reload.completeExceptionally(new IllegalStateException("reload failed: worker#1 did not start"));
        assertEquals(Map.of("ok", false, "error", "reload failed: worker#1 did not start"), json(answer.get()));

        assertEquals(Map.of("ok", true, "message", "3 worker(s)"), json(ask("{\"command\":\"scale\",\"workers\":3}\n")));
        assertEquals(3, scaledTo);
        assertEquals(Map.of("ok", false, "error", "no room"), json(ask("{\"command\":\"scale\",\"workers\":4}\n")));
    }

    @Test
    void badRequestsAreNamed() throws Exception
    {
        start();
        assertEquals(false, json(ask("not json\n")).get("ok"));
        assertTrue(((String)json(ask("{\"command\":\"rm -rf\"}\n")).get("error")).contains("unknown command 'rm -rf'"));
        assertTrue(((String)json(ask("{\"cmd\":\"status\"}\n")).get("error")).contains("no \"command\""));
        for (String workers : List.of("0", "-1", "1.5", "\"2\"", "null", "99999999999"))
        {
            String error = (String)json(ask("{\"command\":\"scale\",\"workers\":" + workers + "}\n")).get("error");
            assertTrue(error.contains("\"workers\" must be a whole number >= 1"), workers + ": " + error);
        }
        assertEquals(0, scaledTo, "no bad scale reached the master");
        String tooLong = "{\"command\":\"status\",\"pad\":\"" + "x".repeat(AdminSocket.MAX_REQUEST_BYTES) + "\"}\n";
        assertTrue(((String)json(ask(tooLong)).get("error")).contains("longer than 4096 bytes"));
    }

    @Test
    void stopAnswersThenStops() throws Exception
    {
        start();
        Map<String, Object> answer = json(ask("{\"command\":\"stop\"}\n"));
        assertEquals(true, answer.get("ok"));
        assertEquals("stopping", answer.get("message"));
        assertEquals(ProcessHandle.current().pid(), answer.get("pid"));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (stops.get() == 0 && System.nanoTime() < deadline)
            Thread.sleep(10);
        assertEquals(1, stops.get());
    }

    @Test
    void aSilentClientIsClosedAfterTheTimeout() throws Exception
    {
        start();
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(path())))
        {
            long started = System.nanoTime();
            assertEquals("", readAll(channel), "closed without an answer");
            long ms = (System.nanoTime() - started) / 1_000_000;
            assertTrue(ms >= AdminSocket.REQUEST_TIMEOUT_MS - 100 && ms < AdminSocket.REQUEST_TIMEOUT_MS + 3000,
                "closed after " + ms + " ms");
        }
    }

    @Test
    void aDeadMastersSocketIsReplacedALiveOneRefused() throws Exception
    {
        Files.createDirectories(path().getParent());
        // a dead master's: the file is there, nobody listens
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(path()));
        dead.close();
        assertTrue(Files.exists(path()));
        start();
        assertEquals(false, json(ask("{\"command\":\"status\"}\n")).get("ok"));

        AdminSocket second = new AdminSocket(path(), board, commands);
        Exception refused = assertThrows(Exception.class, second::start);
        assertTrue(refused.getMessage().contains("another egg-cluster master is running on this jetty base"),
            refused.getMessage());
        assertEquals(false, json(ask("{\"command\":\"status\"}\n")).get("ok"), "the running one still answers");
        socket.stop();
        assertFalse(Files.exists(path()), "removed on stop");
        socket = null;
    }
}
