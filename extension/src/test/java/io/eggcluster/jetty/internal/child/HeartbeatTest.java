package io.eggcluster.jetty.internal.child;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heartbeat against a one-thread pool playing the request pool and a lock playing the messenger's dispatch lock:
 * it beats while both take its probe, falls silent while either is blocked, beats again once it is unblocked, and
 * leaves no thread behind.
 */
class HeartbeatTest
{
    private static final long INTERVAL_MS = 20;

    private final ExecutorService pool = Executors.newFixedThreadPool(1, r -> new Thread(r, "test-request-pool"));
    /** Plays the messenger's dispatch lock: a listener that never returns holds it. */
    private final Object dispatchLock = new Object();
    private final Consumer<Runnable> dispatch = task ->
    {
        synchronized (dispatchLock)
        {
            task.run();
        }
    };
    private final AtomicInteger beats = new AtomicInteger();
    private final Heartbeat heartbeat = new Heartbeat("worker#1:1", INTERVAL_MS, 10 * INTERVAL_MS, pool, dispatch,
        beats::incrementAndGet);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() throws Exception
    {
        release.countDown();
        heartbeat.stop();
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
    }

    @Test
    void beatsEveryIntervalWhileProbesComeThrough() throws Exception
    {
        long start = System.nanoTime();
        heartbeat.start();
        awaitBeats(10);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // the first beat comes one interval after the start (its probe goes out first), then one per interval
        assertTrue(elapsedMs >= 10 * INTERVAL_MS, "10 beats took only " + elapsedMs + " ms");
        heartbeat.stop();
        assertEquals(beats.get(), heartbeat.getBeats(), "beats sent, as its counter says");
    }

    @Test
    void aListenerThatNeverReturnsSilencesItUntilItReturns() throws Exception
    {
        heartbeat.start();
        awaitBeats(2);
        CountDownLatch held = new CountDownLatch(1);
        Thread listener = new Thread(() ->
        {
            synchronized (dispatchLock)
            {
                held.countDown();
                awaitQuietly(release);
            }
        }, "test-stuck-listener");
        listener.start();
        assertTrue(held.await(5, TimeUnit.SECONDS));
        assertSilent();

        release.countDown();
        listener.join(5000);
        int before = beats.get();
        awaitBeats(before + 3);
    }

    @Test
    void aRequestPoolWithEveryThreadBlockedSilencesItUntilOneIsFree() throws Exception
    {
        heartbeat.start();
        awaitBeats(2);
        CountDownLatch busy = new CountDownLatch(1);
        pool.execute(() ->
        {
            busy.countDown();
            awaitQuietly(release);
        });
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        assertSilent();

        release.countDown();
        int before = beats.get();
        awaitBeats(before + 3);
    }

    @Test
    void stopEndsItsThreadAtOnceEvenWhileAProbeIsStuck() throws Exception
    {
        // an interval far longer than the test: stop must wake the thread, not wait for its next tick
        Heartbeat slow = new Heartbeat("agent#0:2", 60_000, 120_000, pool, dispatch, beats::incrementAndGet);
        slow.start();
        heartbeat.start();
        awaitBeats(1);
        Thread listener = new Thread(() ->
        {
            synchronized (dispatchLock)
            {
                awaitQuietly(release);
            }
        }, "test-stuck-listener");
        listener.start();
        assertTrue(threadAlive(), "egg-heartbeat threads run");

        long start = System.nanoTime();
        slow.stop();
        heartbeat.stop();
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(stopMs < 2000, "stopping took " + stopMs + " ms");
        assertFalse(threadAlive(), "no egg-heartbeat thread after stop");
        int after = beats.get();
        release.countDown();
        listener.join(5000);
        Thread.sleep(10 * INTERVAL_MS);
        assertEquals(after, beats.get(), "no beat after stop, even once the stuck probe came through");

        // and it starts again, with a thread of its own
        heartbeat.start();
        awaitBeats(after + 2);
        heartbeat.stop();
        assertFalse(threadAlive(), "no egg-heartbeat thread after the second stop");
    }

    /** No beat for 10 intervals, after the one a probe that came through just before the block may still give. */
    private void assertSilent() throws InterruptedException
    {
        Thread.sleep(3 * INTERVAL_MS);
        int before = beats.get();
        Thread.sleep(10 * INTERVAL_MS);
        assertEquals(before, beats.get(), "beats while a probe cannot run");
    }

    private void awaitBeats(int count) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (beats.get() < count)
        {
            assertTrue(System.nanoTime() < deadline, "only " + beats.get() + " of " + count + " beats within 10 s");
            Thread.sleep(5);
        }
    }

    private static boolean threadAlive()
    {
        return Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("egg-heartbeat") && t.isAlive());
    }

    private static void awaitQuietly(CountDownLatch latch)
    {
        try
        {
            latch.await(30, TimeUnit.SECONDS);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
