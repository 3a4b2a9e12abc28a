package io.eggcluster.jetty.internal.master;

/**
 * PM2's exponential restart backoff, per slot: a slot whose process dies again soon after it started waits before
 * its next start, {@value #INITIAL_MS} ms for the first such quick death, {@value #FACTOR} times longer for each
 * next one in a row, at most {@value #MAX_MS} ms; a process that ran {@value #HEALTHY_MS} ms ends the row.
 *
 * <p>Which deaths count: a quick death is the death of a <i>replacement</i> (a process started because its slot's
 * previous one died) within {@value #HEALTHY_MS} ms of its start. The first death of a slot's process, however young,
 * restarts at once: one crash costs no delay, a crash loop is spaced out. Inside the cluster's restart limit
 * ({@code jetty.egg.restartLimit} per {@code jetty.egg.restartWindow}), which still ends a loop that never heals.</p>
 *
 * <p>Not thread safe: the master's event loop only.</p>
 */
final class RestartBackoff
{
    static final long INITIAL_MS = 100;
    static final double FACTOR = 1.5;
    static final long MAX_MS = 15_000;
    static final long HEALTHY_MS = 30_000;

    private int quickDeaths;

    /**
     * A slot's process died.
     *
     * @param uptimeMs how long it ran
     * @param replacement whether it was itself started because its slot's previous process died
     * @return how long to wait before starting the next one, in ms
     */
    long delayAfterDeath(long uptimeMs, boolean replacement)
    {
        if (uptimeMs >= HEALTHY_MS || !replacement)
        {
            quickDeaths = 0;
            return 0;
        }
        quickDeaths++;
        return Math.min(MAX_MS, Math.round(INITIAL_MS * Math.pow(FACTOR, quickDeaths - 1)));
    }

    /** @return quick deaths in a row so far */
    int quickDeaths()
    {
        return quickDeaths;
    }
}
