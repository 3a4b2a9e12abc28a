package io.eggcluster.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load client's counting, against a server on 127.0.0.1 that misbehaves in one known way per test (no cluster:
 * each test takes about a second). What the resilience ITs conclude rests on these counts.
 */
class LoadClientIT
{
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    private static final String OK_CLOSE =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

    /** How the fake server treats one connection. */
    private interface Conduct
    {
        void serve(InputStream in, OutputStream out, Socket socket) throws IOException, InterruptedException;
    }

    /** A server that runs {@code conduct} on every connection it accepts, each on a thread of its own. */
    private static final class FakeServer implements AutoCloseable
    {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();

        FakeServer(Conduct conduct) throws IOException
        {
            Thread acceptor = new Thread(() ->
            {
                while (!server.isClosed())
                {
                    try
                    {
                        Socket socket = server.accept();
                        accepted.incrementAndGet();
                        Thread handler = new Thread(() ->
                        {
                            try (socket)
                            {
                                conduct.serve(socket.getInputStream(), socket.getOutputStream(), socket);
                            }
                            catch (IOException | InterruptedException ignored)
                            {
                                // the client went away
                            }
                        });
                        handler.setDaemon(true);
                        handler.start();
                    }
                    catch (IOException closed)
                    {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port()
        {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException
        {
            server.close();
        }
    }

    /** Reads one request head; false at the end of stream. */
    private static boolean readRequest(InputStream in) throws IOException
    {
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (matched < 4)
        {
            int b = in.read();
            if (b < 0)
                return false;
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return true;
    }

    private static void write(OutputStream out, String response) throws IOException
    {
        out.write(response.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static LoadClient.Counts run(LoadClient.Options options, long millis) throws InterruptedException
    {
        LoadClient client = LoadClient.start(options);
        Thread.sleep(millis);
        LoadClient.Counts counts = client.stop();
        System.out.println("load-client: " + counts + " " + client.failures().stream().limit(2).toList());
        assertEquals(counts.failed(), client.failureEvents().size(), "every failure recorded: " + counts);
        return counts;
    }

    @Test
    void keepAliveReusesTheConnectionAndReconnectsAfterConnectionClose() throws Exception
    {
        // every 10th response of a connection says Connection: close, and the server closes
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            for (int i = 1; readRequest(in); i++)
            {
                write(out, i % 10 == 0 ? OK_CLOSE : OK);
                if (i % 10 == 0)
                    return;
            }
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 2), 500);
            assertEquals(0, c.failed(), c.toString());
            assertTrue(c.ok() >= 20, c.toString());
            assertEquals(c.ok() / 10, c.connClose(), 2, c.toString());
            // a connection per 10 requests, and each thread's last one, if it is still open
            assertTrue(c.connects() >= c.connClose() && c.connects() <= c.connClose() + 2, c.toString());
            assertEquals(server.accepted.get(), c.connects(), c.toString());
        }
    }

    @Test
    void aConnectionTheServerClosedBetweenRequestsIsReopenedWithoutAFailure() throws Exception
    {
        // the server answers one request (without Connection: close), then closes the connection: the client,
        // pacing 20 requests a second, finds the end of stream before it writes the next request
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            if (readRequest(in))
                write(out, OK);
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 1).rate(20), 1000);
            assertEquals(0, c.failed(), c.toString());
            assertTrue(c.ok() >= 5, c.toString());
            assertEquals(c.ok() - 1, c.idleClosed(), 1, c.toString());
            assertEquals(c.ok(), c.connects(), c.toString());
        }
    }

    @Test
    void aRequestWrittenOnAConnectionClosedWithoutAnAnswerIsAFailure() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            // reads the request, answers nothing, closes (FIN)
            readRequest(in);
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 1), 300);
            assertEquals(0, c.ok(), c.toString());
            assertTrue(c.closed() > 0, c.toString());
            assertEquals(c.requests(), c.failed(), 1, "each request written failed: " + c);
            assertEquals(c.closed() + c.reset(), c.failed(), c.toString());
        }
    }

    @Test
    void aResetAfterTheRequestIsAFailure() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            readRequest(in);
            socket.setSoLinger(true, 0); // close = RST
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 1), 300);
            assertEquals(0, c.ok(), c.toString());
            assertTrue(c.reset() > 0, c.toString());
            assertEquals(c.reset(), c.failed(), c.toString());
        }
    }

    @Test
    void aResponseCutShortIsTruncated() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            if (readRequest(in))
                write(out, OK.substring(0, OK.length() - 2));
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 1), 300);
            assertEquals(0, c.ok(), c.toString());
            assertTrue(c.truncated() > 0, c.toString());
            assertEquals(c.truncated(), c.failed(), c.toString());
        }
    }

    @Test
    void a503IsABadResponseAndItsConnectionCloseIsCounted() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            while (readRequest(in))
                write(out, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 1), 300);
            assertEquals(0, c.ok(), c.toString());
            assertTrue(c.bad() > 0, c.toString());
            assertEquals(c.bad(), c.failed(), c.toString());
            assertEquals(c.bad(), c.connClose(), c.toString());
        }
    }

    @Test
    void aWrongBodyIsABadResponse() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            while (readRequest(in))
                write(out, OK.replace("hello", "howdy"));
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 1), 300);
            assertEquals(0, c.ok(), c.toString());
            assertTrue(c.bad() > 0, c.toString());
            assertEquals(c.bad(), c.failed(), c.toString());
        }
    }

    @Test
    void noAnswerWithinTheTimeoutIsATimeout() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            readRequest(in);
            Thread.sleep(5000);
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 2).timeoutMs(200), 500);
            assertEquals(0, c.ok(), c.toString());
            assertTrue(c.timeout() >= 2, c.toString());
            assertEquals(c.timeout(), c.failed(), c.toString());
        }
    }

    @Test
    void nobodyListeningIsRefused() throws Exception
    {
        int port = Cluster.freePort();
        LoadClient.Counts c = run(LoadClient.Options.newConnection(port, 1), 300);
        assertEquals(0, c.ok(), c.toString());
        assertEquals(0, c.requests(), c.toString());
        assertTrue(c.refused() > 0, c.toString());
        assertEquals(c.refused(), c.failed(), c.toString());
    }

    @Test
    void newConnectionModeOpensOneConnectionPerRequest() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            if (readRequest(in))
                write(out, OK_CLOSE);
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.newConnection(server.port(), 2), 500);
            assertEquals(0, c.failed(), c.toString());
            assertTrue(c.ok() >= 10, c.toString());
            assertEquals(c.ok(), c.connects(), c.toString());
            assertEquals(c.ok(), c.connClose(), c.toString());
            assertEquals(server.accepted.get(), c.connects(), c.toString());
        }
    }

    @Test
    void theRateBoundsTheRequests() throws Exception
    {
        try (FakeServer server = new FakeServer((in, out, socket) ->
        {
            while (readRequest(in))
                write(out, OK);
        }))
        {
            LoadClient.Counts c = run(LoadClient.Options.keepAlive(server.port(), 4).rate(100), 1000);
            assertEquals(0, c.failed(), c.toString());
            assertTrue(c.ok() >= 50 && c.ok() <= 130, "about 100 requests in a second: " + c);
        }
    }
}
