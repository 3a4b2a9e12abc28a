package io.eggcluster.jetty.internal.master;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Egg's cfork rule: at most {@code limit} restarts within any {@code window}; past that the master gives up.
 * Not thread safe: used by the master's supervision thread only.
 */
class RestartLimiter
{
    private final int limit;
    private final long windowNanos;
    private final Deque<Long> restarts = new ArrayDeque<>();

    RestartLimiter(int limit, long windowMs)
    {
        this.limit = limit;
        this.windowNanos = windowMs * 1_000_000L;
    }

    /**
     * Records a restart at {@code nowNanos} if it is within the limit.
     *
     * @param nowNanos the time of the restart, from {@link System#nanoTime()}
     * @return false when this restart would be one too many within the window
     */
    boolean tryRestart(long nowNanos)
    {
        while (!restarts.isEmpty() && nowNanos - restarts.peekFirst() >= windowNanos)
            restarts.removeFirst();
        if (restarts.size() >= limit)
            return false;
        restarts.addLast(nowNanos);
        return true;
    }

    int limit()
    {
        return limit;
    }

    long windowMs()
    {
        return windowNanos / 1_000_000L;
    }
}
