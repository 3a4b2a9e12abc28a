package io.eggcluster.jetty.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The user's {@code jetty.egg.*} properties, set from {@code etc/egg-cluster.xml}; {@link #validate()} turns them
 * into {@link EggSettings}.
 *
 * <p>Setters take the raw text of a property so that a bad value fails with a message naming the property and the
 * value, not with a bare {@link NumberFormatException} from the XML layer; a setter given null (a property that is
 * not set: the XML gives no default) keeps the default, which is written here once and documented in the module's
 * {@code [ini-template]}. {@link #validate()} checks everything at once and reports every culprit.</p>
 */
public class EggConfig
{
    static final String WORKERS = "jetty.egg.workers";
    static final String AGENT_START_TIMEOUT = "jetty.egg.agentStartTimeout";
    static final String WORKER_START_TIMEOUT = "jetty.egg.workerStartTimeout";
    static final String STOP_TIMEOUT = "jetty.egg.stopTimeout";
    static final String RESTART_LIMIT = "jetty.egg.restartLimit";
    static final String RESTART_WINDOW = "jetty.egg.restartWindow";
    static final String MAX_MESSAGE_BYTES = "jetty.egg.maxMessageBytes";
    static final String QUEUE_CAPACITY = "jetty.egg.queueCapacity";
    static final String QUEUE_BYTES = "jetty.egg.queueBytes";
    static final String HAZELCAST_PORT = "jetty.egg.hazelcast.port";
    static final String STANDBY = "jetty.egg.standby";
    static final String STANDBY_DELAY = "jetty.egg.standbyDelay";
    static final String CLASS_DATA_SHARING = "jetty.egg.classDataSharing";
    static final String HAZELCAST_MEMBERS = "jetty.egg.hazelcast.members";
    static final String HEARTBEAT_INTERVAL = "jetty.egg.heartbeatInterval";
    static final String HEARTBEAT_TIMEOUT = "jetty.egg.heartbeatTimeout";
    static final String MAX_REQUESTS = "jetty.egg.maxRequests";
    static final String MAX_REQUESTS_JITTER = "jetty.egg.maxRequestsJitter";
    static final String MAX_WORKER_RSS = "jetty.egg.maxWorkerRss";
    static final String MIN_WORKER_LIFETIME = "jetty.egg.minWorkerLifetime";
    static final String ADMIN_HOST = "jetty.egg.admin.host";
    static final String ADMIN_PORT = "jetty.egg.admin.port";
    static final String LOG_DIR = "jetty.egg.logDir";
    static final String LOG_RETAIN_DAYS = "jetty.egg.logRetainDays";
    static final String LOG_CONSOLE = "jetty.egg.logConsole";
    /** More workers than this is a typo, not a machine: each is a JVM of 100+ MB. */
    public static final int MAX_WORKERS = 256;
    /**
     * The most processes of one cluster that hold a connection to one socket at once (the master's control socket,
     * a process's direct-message socket): every worker, the agent, a standby, and a few predecessors whose
     * connections are still closing.
     */
    public static final int MAX_CLUSTER_PROCESSES = MAX_WORKERS + 8;
    /** A message is held in the master's heap (per receiver) until taken: 16 MiB is the most one may be. */
    public static final int MAX_MESSAGE_BYTES_LIMIT = 16 << 20;
    /** What a message carries besides its encoding while it is held: its sender's id and seq. */
    static final int MESSAGE_HEADER_BYTES = 16;
    /** The most {@code jetty.egg.queueBytes=auto} gives a slot. */
    static final long AUTO_QUEUE_BYTES = 64L << 20;

    private String workers = "auto";
    private String agentStartTimeout = "60000";
    private String workerStartTimeout = "60000";
    private String stopTimeout = "5000";
    private String restartLimit = "60";
    private String restartWindow = "60000";
    private String jvmArgs = "";
    private String agentJvmArgs = "";
    private String workerJvmArgs = "";
    private String standby = "true";
    private String standbyDelay = "10000";
    private String classDataSharing = "true";
    private String maxMessageBytes = "1048576";
    private String queueCapacity = "10000";
    private String queueBytes = "auto";
    private String hazelcastHost = "127.0.0.1";
    private String hazelcastPort = "0";
    private String hazelcastMembers = "";
    private String webappsDir = "webapps";
    private String heartbeatInterval = "1000";
    private String heartbeatTimeout = "30000";
    private String maxRequests = "0";
    private String maxRequestsJitter = "0";
    private String maxWorkerRss = "0";
    private String minWorkerLifetime = "10000";
    private String adminHost = "127.0.0.1";
    private String adminPort = "";
    private String logDir = "logs";
    private String logRetainDays = "7";
    private String logConsole = "always";
    private String jettyHome;
    private String jettyBase;

    public void setWorkers(String workers)
    {
        if (workers != null)
            this.workers = workers;
    }

    public void setAgentStartTimeout(String ms)
    {
        if (ms != null)
            this.agentStartTimeout = ms;
    }

    public void setWorkerStartTimeout(String ms)
    {
        if (ms != null)
            this.workerStartTimeout = ms;
    }

    public void setStopTimeout(String ms)
    {
        if (ms != null)
            this.stopTimeout = ms;
    }

    public void setRestartLimit(String count)
    {
        if (count != null)
            this.restartLimit = count;
    }

    public void setRestartWindow(String ms)
    {
        if (ms != null)
            this.restartWindow = ms;
    }

    public void setJvmArgs(String jvmArgs)
    {
        if (jvmArgs != null)
            this.jvmArgs = jvmArgs;
    }

    public void setAgentJvmArgs(String agentJvmArgs)
    {
        if (agentJvmArgs != null)
            this.agentJvmArgs = agentJvmArgs;
    }

    public void setWorkerJvmArgs(String workerJvmArgs)
    {
        if (workerJvmArgs != null)
            this.workerJvmArgs = workerJvmArgs;
    }

    public void setStandbyDelay(String ms)
    {
        if (ms != null)
            this.standbyDelay = ms;
    }

    public void setStandby(String standby)
    {
        if (standby != null)
            this.standby = standby;
    }

    public void setClassDataSharing(String classDataSharing)
    {
        if (classDataSharing != null)
            this.classDataSharing = classDataSharing;
    }

    public void setMaxMessageBytes(String bytes)
    {
        if (bytes != null)
            this.maxMessageBytes = bytes;
    }

    public void setQueueCapacity(String count)
    {
        if (count != null)
            this.queueCapacity = count;
    }

    public void setQueueBytes(String bytes)
    {
        if (bytes != null)
            this.queueBytes = bytes;
    }

    public void setHazelcastHost(String host)
    {
        if (host != null)
            this.hazelcastHost = host;
    }

    public void setHazelcastPort(String port)
    {
        if (port != null)
            this.hazelcastPort = port;
    }

    public void setHazelcastMembers(String members)
    {
        if (members != null)
            this.hazelcastMembers = members;
    }

    public void setWebappsDir(String dir)
    {
        if (dir != null)
            this.webappsDir = dir;
    }

    public void setHeartbeatInterval(String ms)
    {
        if (ms != null)
            this.heartbeatInterval = ms;
    }

    public void setHeartbeatTimeout(String ms)
    {
        if (ms != null)
            this.heartbeatTimeout = ms;
    }

    public void setMaxRequests(String count)
    {
        if (count != null)
            this.maxRequests = count;
    }

    public void setMaxRequestsJitter(String count)
    {
        if (count != null)
            this.maxRequestsJitter = count;
    }

    public void setMaxWorkerRss(String mb)
    {
        if (mb != null)
            this.maxWorkerRss = mb;
    }

    public void setMinWorkerLifetime(String ms)
    {
        if (ms != null)
            this.minWorkerLifetime = ms;
    }

    public void setAdminHost(String host)
    {
        if (host != null)
            this.adminHost = host;
    }

    public void setAdminPort(String port)
    {
        if (port != null)
            this.adminPort = port;
    }

    public void setLogDir(String dir)
    {
        if (dir != null)
            this.logDir = dir;
    }

    public void setLogRetainDays(String days)
    {
        if (days != null)
            this.logRetainDays = days;
    }

    public void setLogConsole(String console)
    {
        if (console != null)
            this.logConsole = console;
    }

    public void setJettyHome(String jettyHome)
    {
        if (jettyHome != null)
            this.jettyHome = jettyHome;
    }

    public void setJettyBase(String jettyBase)
    {
        if (jettyBase != null)
            this.jettyBase = jettyBase;
    }

    /**
     * Checks every property and throws one exception naming every bad one.
     *
     * @return the settings, each parsed once
     * @throws IllegalArgumentException with one line per bad property: its name, its value and what is expected
     */
    public EggSettings validate()
    {
        return validate(new ArrayList<>());
    }

    /**
     * @param errors bad properties found already (the control channel's), reported with these
     */
    EggSettings validate(List<String> errors)
    {
        EggSettings settings = null;
        for (Runnable check : List.<Runnable>of(this::workers, this::agentStartTimeoutMs,
            this::workerStartTimeoutMs, this::stopTimeoutMs, this::restartLimit, this::restartWindowMs, this::maxMessageBytes, this::queueCapacity,
            this::checkQueueBytes, this::hazelcastPort, this::hazelcastMembers, this::standby, this::standbyDelayMs,
            this::classDataSharing, this::health,
            this::operations))
        {
            try
            {
                check.run();
            }
            catch (IllegalArgumentException e)
            {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty())
            throw new IllegalArgumentException("egg-cluster configuration: " + String.join("; ", errors));
        return new EggSettings(workers(), agentStartTimeoutMs(), workerStartTimeoutMs(), stopTimeoutMs(),
            restartLimit(), restartWindowMs(), jvmArgs(), words(agentJvmArgs), words(workerJvmArgs), standby(),
            standbyDelayMs(), classDataSharing(), maxMessageBytes(),
            queueCapacity(), checkQueueBytes(), hazelcastHost(), hazelcastPort(), webappsDir(), jettyHome, jettyBase,
            health(), operations());
    }

    /**
     * @return the dashboard's address and the log files' place; an empty port is no dashboard
     */
    EggSettings.Operations operations()
    {
        List<String> errors = new ArrayList<>();
        String host = adminHost == null || adminHost.isBlank() ? "127.0.0.1" : adminHost.trim();
        int port = adminPort == null || adminPort.isBlank() ? 0 :
            (int)check(errors, () -> integer(ADMIN_PORT, adminPort, 1, 65535));
        String dir = logDir == null ? "" : logDir.trim();
        int days = (int)check(errors, () -> integer(LOG_RETAIN_DAYS, logRetainDays, 1, 36500));
        String console = logConsole == null || logConsole.isBlank() ? "always" : logConsole.trim();
        if (!console.equals("always") && !console.equals("until-ready"))
            errors.add(LOG_CONSOLE + "='" + logConsole + "' is invalid: expected always or until-ready");
        if (!errors.isEmpty())
            throw new IllegalArgumentException(String.join("; ", errors));
        return new EggSettings.Operations(host, port, dir, days, console.equals("until-ready"));
    }

    /**
     * @return the number of workers; {@code auto} (the default) is one per available processor, as in Egg
     */
    int workers()
    {
        if (workers == null || workers.isBlank() || workers.trim().equalsIgnoreCase("auto"))
            return Math.min(Runtime.getRuntime().availableProcessors(), MAX_WORKERS);
        return integer(WORKERS, workers, 1, MAX_WORKERS);
    }

    long agentStartTimeoutMs()
    {
        return integer(AGENT_START_TIMEOUT, agentStartTimeout, 1);
    }

    long workerStartTimeoutMs()
    {
        return integer(WORKER_START_TIMEOUT, workerStartTimeout, 1);
    }

    long stopTimeoutMs()
    {
        return integer(STOP_TIMEOUT, stopTimeout, 0);
    }

    int restartLimit()
    {
        return integer(RESTART_LIMIT, restartLimit, 1);
    }

    /**
     * @return {@code jetty.egg.standbyDelay}: ms after egg-ready (or a replacement's ready) before a standby JVM is
     * booted: not while the new workers' JIT ramps up, which a booting JVM's CPU slows (issue 13)
     */
    long standbyDelayMs()
    {
        return integer(STANDBY_DELAY, standbyDelay, 0);
    }

    long restartWindowMs()
    {
        return integer(RESTART_WINDOW, restartWindow, 1);
    }

    int maxMessageBytes()
    {
        return integer(MAX_MESSAGE_BYTES, maxMessageBytes, 64, MAX_MESSAGE_BYTES_LIMIT);
    }

    int queueCapacity()
    {
        return integer(QUEUE_CAPACITY, queueCapacity, 1);
    }

    /**
     * @return the number {@code jetty.egg.queueBytes} names, or null for {@code auto}
     * @throws IllegalArgumentException naming the property and the value when it is neither
     */
    private Long checkQueueBytes()
    {
        String text = queueBytes == null ? "" : queueBytes.trim();
        if (text.isEmpty() || text.equalsIgnoreCase("auto"))
            return null;
        long oneMessage;
        String why;
        try
        {
            oneMessage = maxMessageBytes() + MESSAGE_HEADER_BYTES;
            why = "one message of " + MAX_MESSAGE_BYTES + "=" + (oneMessage - MESSAGE_HEADER_BYTES) + " with its " +
                MESSAGE_HEADER_BYTES + "-byte header";
        }
        catch (IllegalArgumentException badMaxMessageBytes)
        {
            // reported for that property; the smallest message still needs its room
            oneMessage = 64 + MESSAGE_HEADER_BYTES;
            why = "one message with its header";
        }
        String expected = "expected auto or a whole number of bytes >= " + oneMessage + " (" + why + ")";
        java.math.BigInteger value;
        try
        {
            value = new java.math.BigInteger(text);
        }
        catch (NumberFormatException e)
        {
            throw new IllegalArgumentException(QUEUE_BYTES + "='" + queueBytes + "' is not a number: " + expected);
        }
        if (value.compareTo(java.math.BigInteger.valueOf(oneMessage)) < 0)
            throw new IllegalArgumentException(QUEUE_BYTES + "=" + text + " is too small: " + expected);
        if (value.bitLength() > 62)
            throw new IllegalArgumentException(QUEUE_BYTES + "=" + text + " is too large: " + expected + " and below " +
                "2^62");
        return value.longValue();
    }

    /**
     * @return the heartbeat and recycling settings; the timeout must leave room for a few heartbeats
     */
    EggSettings.Health health()
    {
        List<String> errors = new ArrayList<>();
        long interval = check(errors, () -> integer(HEARTBEAT_INTERVAL, heartbeatInterval, 10, 3_600_000));
        long timeout = check(errors, () -> integer(HEARTBEAT_TIMEOUT, heartbeatTimeout, 100));
        int requests = (int)check(errors, () -> integer(MAX_REQUESTS, maxRequests, 0));
        int jitter = (int)check(errors, () -> integer(MAX_REQUESTS_JITTER, maxRequestsJitter, 0));
        int rss = (int)check(errors, () -> integer(MAX_WORKER_RSS, maxWorkerRss, 0, 1 << 24));
        long lifetime = check(errors, () -> integer(MIN_WORKER_LIFETIME, minWorkerLifetime, 0));
        if (errors.isEmpty() && timeout < 2 * interval)
            errors.add(HEARTBEAT_TIMEOUT + "=" + timeout + " is too small for " + HEARTBEAT_INTERVAL + "=" + interval +
                ": expected at least twice the interval, so that one late heartbeat is not taken for a stuck process");
        if (errors.isEmpty() && jitter > 0 && requests == 0)
            errors.add(MAX_REQUESTS_JITTER + "=" + jitter + " has no effect with " + MAX_REQUESTS + "=0 (off): set " +
                MAX_REQUESTS + " too, or leave the jitter at 0");
        if (!errors.isEmpty())
            throw new IllegalArgumentException(String.join("; ", errors));
        return new EggSettings.Health(interval, timeout, requests, jitter, rss, lifetime);
    }

    private static long check(List<String> errors, java.util.function.LongSupplier value)
    {
        try
        {
            return value.getAsLong();
        }
        catch (IllegalArgumentException e)
        {
            errors.add(e.getMessage());
            return 0;
        }
    }

    String hazelcastHost()
    {
        return hazelcastHost == null || hazelcastHost.isBlank() ? "127.0.0.1" : hazelcastHost.trim();
    }

    /**
     * @return the member's port; 0 (the default) is a free port picked at start
     */
    int hazelcastPort()
    {
        int port = integer(HAZELCAST_PORT, hazelcastPort, 0);
        if (port > 65535)
            throw new IllegalArgumentException(HAZELCAST_PORT + "=" + port + " is not a port: expected 0..65535");
        return port;
    }

    /**
     * @return {@code jetty.egg.hazelcast.members}: other members ({@code host:port}, comma separated) for a cluster
     * across hosts
     */
    List<String> hazelcastMembers()
    {
        List<String> members = new ArrayList<>();
        for (String member : hazelcastMembers == null ? new String[0] : hazelcastMembers.split(","))
        {
            if (!member.isBlank())
                members.add(member.trim());
        }
        // each master makes its own secret cluster name, so members on other hosts could never join: refuse the
        // setting rather than accept one that silently does nothing
        if (!members.isEmpty())
            throw new IllegalArgumentException(HAZELCAST_MEMBERS + "=" + hazelcastMembers.trim() + " is not supported " +
                "yet: a cluster across hosts is not built (each master makes its own secret Hazelcast cluster name); " +
                "leave it empty");
        return members;
    }

    /**
     * @return {@code jetty.egg.jvmArgs} split on white space (extra JVM options for every child)
     */
    List<String> jvmArgs()
    {
        return words(jvmArgs);
    }

    /** @return the value split on white space, without empty words (none for null) */
    static List<String> words(String value)
    {
        List<String> words = new ArrayList<>();
        if (value != null)
        {
            for (String word : value.trim().split("\\s+"))
            {
                if (!word.isEmpty())
                    words.add(word);
            }
        }
        return words;
    }

    /**
     * @return the webapps directory the agent looks for agent hooks in ({@code jetty.deploy.webappsDir}, first entry)
     */
    String webappsDir()
    {
        String dir = webappsDir == null || webappsDir.isBlank() ? "webapps" : webappsDir.split(",")[0].trim();
        return dir;
    }

    String jettyHome()
    {
        return jettyHome;
    }

    String jettyBase()
    {
        return jettyBase;
    }

    /**
     * @return {@code jetty.egg.standby}: whether the master keeps a standby worker JVM ready to replace a dead worker
     */
    boolean standby()
    {
        return bool(STANDBY, standby);
    }

    /**
     * @return {@code jetty.egg.classDataSharing}: whether children share a class data archive of a standby's classes
     */
    boolean classDataSharing()
    {
        return bool(CLASS_DATA_SHARING, classDataSharing);
    }

    private static boolean bool(String name, String value)
    {
        String text = value == null ? "" : value.trim();
        if (text.equalsIgnoreCase("true"))
            return true;
        if (text.equalsIgnoreCase("false"))
            return false;
        throw new IllegalArgumentException(name + "='" + value + "' is not a boolean: expected true or false");
    }

    private static int integer(String name, String text, int min)
    {
        return integer(name, text, min, Integer.MAX_VALUE);
    }

    private static int integer(String name, String text, int min, int max)
    {
        String expected = "expected a whole number " + (max == Integer.MAX_VALUE ? ">= " + min : min + ".." + max);
        if (text == null || text.isBlank())
            throw new IllegalArgumentException(name + " is empty: " + expected);
        java.math.BigInteger value;
        try
        {
            value = new java.math.BigInteger(text.trim());
        }
        catch (NumberFormatException e)
        {
            throw new IllegalArgumentException(name + "='" + text + "' is not a number: " + expected);
        }
        if (value.compareTo(java.math.BigInteger.valueOf(min)) < 0)
            throw new IllegalArgumentException(name + "=" + text.trim() + " is too small: " + expected);
        if (value.compareTo(java.math.BigInteger.valueOf(max)) > 0)
            throw new IllegalArgumentException(name + "=" + text.trim() + " is too large: " + expected);
        return value.intValue();
    }
}
