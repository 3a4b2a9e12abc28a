package io.eggcluster.jetty.internal.child;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.EggSettings;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request counter in a real Jetty server: one recycle request at the threshold, none when it is off. */
class RequestCounterTest
{
    private final Server server = new Server();
    private final LocalConnector connector = new LocalConnector(server);
    private final List<String> recycles = new CopyOnWriteArrayList<>();

    RequestCounterTest()
    {
        server.addConnector(connector);
        // /ok answers 200, /fail throws (a 500), anything else is not handled (Jetty's 404)
        server.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                String path = Request.getPathInContext(request);
                if (path.equals("/fail"))
                    throw new IllegalStateException("this request fails in its handler");
                if (!path.equals("/ok"))
                    return false;
                Content.Sink.write(response, true, "ok", callback);
                return true;
            }
        });
    }

    @AfterEach
    void stop() throws Exception
    {
        server.stop();
    }

    @Test
    void asksOnceWhenTheCountReachesMaxRequestsPlusItsJitter() throws Exception
    {
        RequestCounter counter = RequestCounter.install(server, "worker#1:1", health(5, 3), this::recycle);
        server.start();
        long threshold = counter.getThreshold();
        assertTrue(threshold >= 5 && threshold <= 8, "threshold " + threshold + " is maxRequests 5 plus 0..3");

        // every kind of ending counts: answered, not handled (404), failed in the handler (500)
        String[] paths = {"/ok", "/nothing-here", "/fail"};
        for (int i = 1; i < threshold; i++)
            get(paths[i % paths.length]);
        awaitCompleted(counter, threshold - 1);
        assertEquals(List.of(), recycles, "nothing before the threshold");

        get("/ok");
        awaitCompleted(counter, threshold);
        // sent by the thread that counted the request, just after
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (recycles.isEmpty() && System.nanoTime() < deadline)
            Thread.sleep(1);
        assertEquals(List.of(Control.recycle("served " + threshold + " requests (jetty.egg.maxRequests=5, jitter " +
            (threshold - 5) + ")")), recycles);

        for (int i = 0; i < 10; i++)
            assertTrue(get("/ok").startsWith("HTTP/1.1 200"), "it goes on serving");
        awaitCompleted(counter, threshold + 10);
        assertEquals(1, recycles.size(), "asked once: " + recycles);
    }

    @Test
    void theJitterIsDrawnPerWorkerWithinItsRange() throws Exception
    {
        java.util.Set<Long> thresholds = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++)
        {
            RequestCounter counter = RequestCounter.install(new Server(), "worker#1:1", health(100, 4), r -> { });
            assertTrue(counter.getThreshold() >= 100 && counter.getThreshold() <= 104, "" + counter.getThreshold());
            thresholds.add(counter.getThreshold());
        }
        // 200 draws of 5 values: each comes up (missing one has a chance of 5 * 0.8^200, about 2e-19)
        assertEquals(5, thresholds.size(), "thresholds drawn: " + thresholds);
        assertEquals(100, RequestCounter.install(new Server(), "worker#1:1", health(100, 0), r -> { }).getThreshold());
    }

    @Test
    void offCountsNothingAndAddsNoHandler() throws Exception
    {
        Handler before = server.getHandler();
        assertNull(RequestCounter.install(server, "worker#1:1", health(0, 0), this::recycle));
        assertSame(before, server.getHandler(), "no handler added when jetty.egg.maxRequests=0");
        server.start();
        for (int i = 0; i < 20; i++)
            get("/ok");
        assertEquals(List.of(), recycles);
    }

    /**
     * A request counts when its handler completes its callback, which it does once its last write is done: the
     * client may have read the response a moment before.
     */
    private static void awaitCompleted(RequestCounter counter, long count) throws InterruptedException
    {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (counter.getCompleted() < count && System.nanoTime() < deadline)
            Thread.sleep(1);
        assertEquals(count, counter.getCompleted(), "requests counted");
    }

    private void recycle(String reason)
    {
        recycles.add(Control.recycle(reason));
    }

    private String get(String path) throws Exception
    {
        return connector.getResponse("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }

    private static EggSettings.Health health(int maxRequests, int jitter)
    {
        EggSettings.Health defaults = EggSettings.Health.DEFAULT;
        return new EggSettings.Health(defaults.heartbeatIntervalMs(), defaults.heartbeatTimeoutMs(), maxRequests,
            jitter, defaults.maxWorkerRssMb(), defaults.minWorkerLifetimeMs());
    }
}
