package io.eggcluster.jetty.internal.messenger;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eggcluster.jetty.internal.EggConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transport that keeps a local copy of the registry, of the worker count and of the direct endpoints (kept up to
 * date by the subclass), which senders read on every send.
 */
abstract class QueueTransport implements Transport
{
    private static final Logger LOG = LoggerFactory.getLogger(QueueTransport.class);
    /** The key of the worker count in {@link #cluster}. */
    static final String COUNT = "count";
    /** The key of the master's pid in {@link #cluster}. */
    static final String MASTER = "master";

    /** The registry as this process knows it; kept up to date by the subclass. */
    final Map<String, Long> processes = new ConcurrentHashMap<>();
    /** What senders read on every sendTo: a live view, no copy. */
    private final Map<String, Long> readOnlyProcesses = Collections.unmodifiableMap(processes);
    /** The direct endpoints as this process knows them; kept up to date by the subclass. */
    final Map<String, String> endpoints = new ConcurrentHashMap<>();
    private final Map<String, String> readOnlyEndpoints = Collections.unmodifiableMap(endpoints);
    /** What the master says of the cluster as a whole ({@link #COUNT}, {@link #MASTER}); kept up to date by the subclass. */
    final Map<String, Long> cluster = new ConcurrentHashMap<>();
    /** The worker count in {@link #cluster}, read on every sendToApp and broadcast; 0 while the master has not said. */
    private volatile int workerCount;
    private final List<Runnable> workersChanged = new CopyOnWriteArrayList<>();

    @Override
    public Map<String, Long> processes()
    {
        return readOnlyProcesses;
    }

    @Override
    public Map<String, String> endpoints()
    {
        return readOnlyEndpoints;
    }

    @Override
    public int workerCount()
    {
        return workerCount;
    }

    @Override
    public long masterPid()
    {
        return cluster.getOrDefault(MASTER, 0L);
    }

    @Override
    public void onWorkersChanged(Runnable listener)
    {
        workersChanged.add(listener);
    }

    /**
     * The subclass changed {@link #processes} or {@link #cluster}: the worker count is read again, and the listeners
     * hear of it.
     */
    void workersChanged()
    {
        Long count = cluster.get(COUNT);
        // what a member wrote is checked like anything else that crossed the wire
        workerCount = count == null ? 0 : (int)Math.max(1, Math.min(EggConfig.MAX_WORKERS, count));
        for (Runnable listener : workersChanged)
        {
            try
            {
                listener.run();
            }
            catch (RuntimeException e)
            {
                LOG.warn("a listener of the cluster's workers failed: {}", e.toString());
            }
        }
    }

    /** @throws IllegalArgumentException unless {@code count} is a worker count: 1..{@value EggConfig#MAX_WORKERS} */
    static void checkWorkerCount(int count)
    {
        if (count < 1 || count > EggConfig.MAX_WORKERS)
            throw new IllegalArgumentException("a cluster has 1.." + EggConfig.MAX_WORKERS + " workers, not " + count);
    }
}
