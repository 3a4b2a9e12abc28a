package io.eggcluster.jetty.internal;

import java.util.List;

import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;

/**
 * The user's {@code jetty.egg.*} settings, checked and typed: what {@link EggConfig#validate()} returns. Immutable;
 * each value is parsed once. The properties the master sets for its children (role, slot, the member's address)
 * are not here: they belong to the control channel ({@link Control}).
 *
 * @param workers {@code jetty.egg.workers}, {@code auto} resolved to one per available processor
 * @param queueBytesSetting {@code jetty.egg.queueBytes}, or null for {@code auto} (see {@link #queueBytes})
 * @param hazelcastPort {@code jetty.egg.hazelcast.port}; 0 is a free port picked at start
 * @param webappsDir where the agent looks for agent hooks: {@code jetty.deploy.webappsDir}, first entry
 * @param jvmArgs {@code jetty.egg.jvmArgs}: every child's extra JVM options
 * @param agentJvmArgs {@code jetty.egg.agentJvmArgs}: the agent's, after those
 * @param workerJvmArgs {@code jetty.egg.workerJvmArgs}: each worker's (and the standby's), after those
 * @param standbyDelayMs {@code jetty.egg.standbyDelay}: how long after egg-ready (or a replacement's ready) a
 *                       standby JVM is booted
 * @param health how the master tells a stuck or worn child and replaces it: heartbeats and recycling
 */
@ManagedObject("The cluster's jetty.egg.* settings")
public record EggSettings(int workers, long agentStartTimeoutMs, long workerStartTimeoutMs, long stopTimeoutMs,
                          int restartLimit, long restartWindowMs, List<String> jvmArgs,
                          List<String> agentJvmArgs, List<String> workerJvmArgs, boolean standby, long standbyDelayMs,
                          boolean classDataSharing, int maxMessageBytes, int queueCapacity, Long queueBytesSetting,
                          String hazelcastHost, int hazelcastPort, String webappsDir, String jettyHome,
                          String jettyBase, Health health, Operations operations)
{
    /**
     * What operators see: the dashboard and the log files.
     *
     * @param adminHost {@code jetty.egg.admin.host}: the address the dashboard binds
     * @param adminPort {@code jetty.egg.admin.port}: the dashboard's and {@code /metrics}' port; 0 = no dashboard
     * @param logDir {@code jetty.egg.logDir}: where each process's log file is written, relative to the jetty base;
     *               empty = no log files (the console only)
     * @param logRetainDays {@code jetty.egg.logRetainDays}: log files older than this many days are deleted
     * @param consoleUntilReady {@code jetty.egg.logConsole=until-ready}: once the master's log file is written, the
     *                          console gets nothing after egg-ready (a daemon's console file stays one start long)
     */
    public record Operations(String adminHost, int adminPort, String logDir, int logRetainDays,
                             boolean consoleUntilReady)
    {
        /** The defaults, as {@link EggConfig} has them: for tests that do not care. */
        public static final Operations DEFAULT = new Operations("127.0.0.1", 0, "logs", 7, false);

        public Operations(String adminHost, int adminPort, String logDir, int logRetainDays)
        {
            this(adminHost, adminPort, logDir, logRetainDays, false);
        }
    }

    /**
     * How the master tells a stuck or worn child, and replaces it.
     *
     * @param heartbeatIntervalMs {@code jetty.egg.heartbeatInterval}: a child says it is alive this often
     * @param heartbeatTimeoutMs {@code jetty.egg.heartbeatTimeout}: a ready child silent this long is stuck: killed and
     *                           replaced
     * @param maxRequests {@code jetty.egg.maxRequests}: a worker that served this many requests is replaced; 0 = never
     * @param maxRequestsJitter {@code jetty.egg.maxRequestsJitter}: each worker adds a random 0..this to maxRequests,
     *                          so that the workers are not all replaced at once
     * @param maxWorkerRssMb {@code jetty.egg.maxWorkerRss}: a worker whose resident memory exceeds this many MiB is
     *                       replaced; 0 = never
     * @param minWorkerLifetimeMs {@code jetty.egg.minWorkerLifetime}: a worker younger than this is not replaced for
     *                            its memory
     */
    public record Health(long heartbeatIntervalMs, long heartbeatTimeoutMs, int maxRequests, int maxRequestsJitter,
                         int maxWorkerRssMb, long minWorkerLifetimeMs)
    {
        /** The defaults, as {@link EggConfig} has them: for tests that do not care about health. */
        public static final Health DEFAULT = new Health(1000, 30_000, 0, 0, 0, 10_000);
    }

    public EggSettings
    {
        jvmArgs = List.copyOf(jvmArgs);
        agentJvmArgs = List.copyOf(agentJvmArgs);
        workerJvmArgs = List.copyOf(workerJvmArgs);
    }

    /**
     * {@code jetty.egg.queueBytes}: the most bytes of messages each slot (the agent, each worker) holds in the
     * master's heap while its process does not take them; a send past it is refused. {@code auto}, the default, is
     * {@value EggConfig#AUTO_QUEUE_BYTES} bytes (64 MiB), or less where the holds of all the slots together would take
     * more than a quarter of the master's largest heap: the default heap of a JVM is a quarter of the machine's
     * memory (6 GiB on a 24 GiB machine), so with {@code jetty.egg.workers=auto} (one worker per processor) the holds
     * of the 3 slots of a 2-core machine take at most 192 MiB, those of 24 slots 1.5 GiB, and more slots share that
     * quarter (a 256-worker cluster on that heap: 5.9 MiB each). Held messages are in the heap once; while a hold is
     * taken it may briefly be there twice (as the queue kept it and as the batch taken from it), so even with every
     * hold full and taken at once the holds use at most half the heap, and Jetty and Hazelcast keep the rest. Never
     * less than one message of {@code jetty.egg.maxMessageBytes} with its header, which every slot must be able to
     * hold.
     *
     * @param maxHeapBytes the master's largest heap ({@link Runtime#maxMemory()}), where the holds are
     */
    public long queueBytes(long maxHeapBytes)
    {
        if (queueBytesSetting != null)
            return queueBytesSetting;
        long oneMessage = maxMessageBytes + (long)EggConfig.MESSAGE_HEADER_BYTES;
        return Math.max(oneMessage, Math.min(EggConfig.AUTO_QUEUE_BYTES, maxHeapBytes / 4 / (workers + 1)));
    }

    @ManagedAttribute("jetty.egg.workers")
    public int getWorkers()
    {
        return workers;
    }

    @ManagedAttribute("jetty.egg.stopTimeout, in ms")
    public long getStopTimeoutMs()
    {
        return stopTimeoutMs;
    }

    @ManagedAttribute("jetty.egg.standby")
    public boolean isStandby()
    {
        return standby;
    }
}
