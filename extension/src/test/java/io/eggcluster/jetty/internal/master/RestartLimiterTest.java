package io.eggcluster.jetty.internal.master;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartLimiterTest
{
    private static final long MS = 1_000_000L;

    @Test
    void allowsTheLimitWithinTheWindowThenRefuses()
    {
        RestartLimiter limiter = new RestartLimiter(3, 1000);
        assertTrue(limiter.tryRestart(0));
        assertTrue(limiter.tryRestart(10 * MS));
        assertTrue(limiter.tryRestart(20 * MS));
        assertFalse(limiter.tryRestart(999 * MS));
    }

    @Test
    void forgetsRestartsOlderThanTheWindow()
    {
        RestartLimiter limiter = new RestartLimiter(2, 1000);
        assertTrue(limiter.tryRestart(0));
        assertTrue(limiter.tryRestart(500 * MS));
        assertFalse(limiter.tryRestart(900 * MS));
        assertTrue(limiter.tryRestart(1000 * MS), "the restart at 0 ms has left the window");
        assertFalse(limiter.tryRestart(1400 * MS));
        assertTrue(limiter.tryRestart(1500 * MS));
    }
}
