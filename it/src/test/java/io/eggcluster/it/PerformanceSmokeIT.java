package io.eggcluster.it;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few seconds of the benchmarks (it/scripts/bench.sh has the real ones) against the real distribution, failing
 * only on gross regressions: CI machines are noisy, so every floor here is several times below what a 2-core
 * machine measures. The figures are printed as one {@code perf-smoke:} line per check.
 */
class PerformanceSmokeIT
{
    /** Round trip worker -> agent -> worker, median: measured ~30 us. */
    private static final long MAX_RTT_P50_US = 1000;
    /** One-way worker -> agent: measured 100,000-450,000/s. */
    private static final long MIN_FLOOD_PER_S = 20_000;
    /** A sendToApp acknowledged by both workers, median: measured ~50 us. */
    private static final long MAX_BROADCAST_P50_US = 5000;
    /** GET /hello on 8 keep-alive connections from this JVM: measured ~20,000/s and more. */
    private static final long MIN_HELLO_PER_S = 2000;

    private static Cluster cluster;

    @BeforeAll
    static void startCluster() throws Exception
    {
        cluster = Cluster.start("perf-smoke", "jetty.egg.workers=2");
        cluster.awaitEggReady();
        // warm-up: let both workers and the agent compile the paths measured below
        for (int i = 0; i < 2; i++)
        {
            ok(cluster.get("/rtt?n=3000"));
            ok(cluster.get("/flood?n=100000"));
            ok(cluster.get("/broadcast-rtt?n=500"));
        }
    }

    @AfterAll
    static void stopCluster() throws Exception
    {
        cluster.close();
    }

    private static Cluster.Response ok(Cluster.Response response)
    {
        assertEquals(200, response.status(), response.body());
        return response;
    }

    @Test
    void roundTripWorkerAgentWorker() throws Exception
    {
        Cluster.Response rtt = ok(cluster.get("/rtt?n=3000"));
        System.out.println("perf-smoke: round trip " + rtt.body());
        assertTrue(rtt.number("p50_us") <= MAX_RTT_P50_US, "round trip p50 above " + MAX_RTT_P50_US + " us: " + rtt.body());
    }

    @Test
    void oneWayFloodArrivesWhole() throws Exception
    {
        Cluster.Response flood = ok(cluster.get("/flood?n=100000"));
        System.out.println("perf-smoke: flood " + flood.body());
        assertEquals(100_000, flood.number("arrived"), flood.body());
        assertTrue(flood.number("msgs_per_s") >= MIN_FLOOD_PER_S, "fewer than " + MIN_FLOOD_PER_S + " msgs/s: " +
            flood.body());
    }

    @Test
    void broadcastAcknowledgedByEveryWorker() throws Exception
    {
        Cluster.Response broadcast = ok(cluster.get("/broadcast-rtt?n=500"));
        System.out.println("perf-smoke: broadcast " + broadcast.body());
        assertTrue(broadcast.number("p50_us") <= MAX_BROADCAST_P50_US, "broadcast p50 above " + MAX_BROADCAST_P50_US +
            " us: " + broadcast.body());
    }

    @Test
    void helloOverKeepAliveConnections() throws Exception
    {
        hammer(2000);
        long[] result = hammer(3000);
        long perSecond = result[0] * 1000 / result[1];
        System.out.println("perf-smoke: GET /hello, 8 keep-alive connections: " + result[0] + " in " + result[1] +
            " ms = " + perSecond + " req/s");
        assertTrue(perSecond >= MIN_HELLO_PER_S, "GET /hello at " + perSecond + " req/s, below " + MIN_HELLO_PER_S);
    }

    /**
     * GET /hello on 8 keep-alive connections for {@code millis}.
     *
     * @return {requests answered "hello", elapsed ms}; fails on any other answer or error
     */
    private static long[] hammer(long millis) throws Exception
    {
        AtomicLong answered = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < 8; t++)
        {
            Thread thread = new Thread(() ->
            {
                try (Socket socket = new Socket())
                {
                    socket.connect(new InetSocketAddress("127.0.0.1", cluster.port()), 2000);
                    socket.setSoTimeout(10_000);
                    socket.setTcpNoDelay(true);
                    OutputStream out = socket.getOutputStream();
                    InputStream in = new BufferedInputStream(socket.getInputStream());
                    byte[] request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                    while (!stop.get())
                    {
                        out.write(request);
                        String body = readResponse(in);
                        if (!body.equals("hello"))
                            throw new AssertionError("GET /hello answered '" + body + "'");
                        answered.incrementAndGet();
                    }
                }
                catch (Throwable x)
                {
                    failure.compareAndSet(null, x);
                }
            });
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(millis);
        stop.set(true);
        for (Thread thread : threads)
            thread.join(15_000);
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        assertNull(failure.get(), () -> "a connection failed: " + failure.get());
        return new long[]{answered.get(), elapsed};
    }

    /** Reads one HTTP/1.1 response with a Content-Length; returns its body, or fails on a status other than 200. */
    private static String readResponse(InputStream in) throws IOException
    {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n"))
        {
            int b = in.read();
            if (b < 0)
                throw new IOException("connection closed after '" + head + "'");
            head.append((char)b);
        }
        String text = head.toString();
        if (!text.startsWith("HTTP/1.1 200"))
            throw new IOException("not a 200: " + text);
        int at = text.toLowerCase().indexOf("content-length:");
        if (at < 0)
            throw new IOException("no Content-Length: " + text);
        int length = Integer.parseInt(text.substring(at + 15, text.indexOf("\r\n", at)).trim());
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
