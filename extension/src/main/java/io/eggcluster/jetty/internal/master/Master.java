package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.EggConfig;
import io.eggcluster.jetty.internal.EggSettings;
import io.eggcluster.jetty.internal.admin.AdminCommands;
import io.eggcluster.jetty.internal.admin.AdminHttp;
import io.eggcluster.jetty.internal.admin.AdminSocket;
import io.eggcluster.jetty.internal.admin.ClusterFigures;
import io.eggcluster.jetty.internal.admin.ClusterStatus;
import io.eggcluster.jetty.internal.admin.ProcessStatus;
import io.eggcluster.jetty.internal.admin.StatusBoard;
import io.eggcluster.jetty.internal.admin.SystemdNotifier;
import io.eggcluster.jetty.internal.messenger.HazelcastSetup;
import io.eggcluster.jetty.internal.messenger.HazelcastTransport;
import io.eggcluster.jetty.internal.messenger.RetiredSlot;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.DumpableCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master (Egg's {@code master.js}): forks the agent, waits for it, forks the workers, waits for all of them,
 * announces egg-ready; then keeps the cluster serving: replaces dead children (within the restart limit, with PM2's
 * backoff for a crash loop, {@link RestartBackoff}), kills and replaces stuck ones (no heartbeat within
 * {@code jetty.egg.heartbeatTimeout}), replaces workers one at a time without dropping a request (a rolling reload on
 * SIGHUP, a worker that served {@code jetty.egg.maxRequests} or outgrew {@code jetty.egg.maxWorkerRss}), adds and
 * removes workers (SIGTTIN, SIGTTOU); on stop, stops the workers, then the agent.
 *
 * <p>Everything that changes the cluster happens on one thread, {@code egg-master}, which takes events (a child's
 * report, a child's exit, a deadline, a signal, a result of the {@link Launcher}) from a queue: no locks, and the order
 * of events is the order of decisions. It is started in {@link #doStart} and has ended when {@link #doStop}
 * returns.</p>
 *
 * <p><b>Changes one at a time.</b> A replacement (for a reload, for recycling), an added and a removed worker are
 * {@link Change}s, queued and run one after the other, never two at once. A worker's replacement is forked while the
 * worker serves; once the replacement is ready (its webapps deployed, the port joined) the old worker is stopped with
 * SIGTERM and drains (stops accepting, finishes its requests, closes its connections) within
 * {@code jetty.egg.stopTimeout}; only once it has exited does the replacement take the slot's messages (the master
 * registers it and sends it egg-ready), so each message of the slot is handled by one of the two, once.</p>
 *
 * <p>{@link #doStart} returns once the cluster is egg-ready, so Jetty's "Started Server" line means the workers
 * serve; before egg-ready any failure (a child that dies, reports a failed start or misses its start timeout) stops
 * everything and is thrown out of {@code start()} (Egg fails its start the same way). A stop asked for meanwhile (a
 * signal) ends {@code doStart} normally, and the stop follows. After egg-ready a failure (the restart limit) stops the
 * cluster and exits the JVM with status 1.</p>
 *
 * <p>Its beans, started in this order and stopped in reverse: the {@link ControlServer} (the children's control
 * channel), the {@link HazelcastMember} (up before the first child needs it, down after the last is gone) and the
 * {@link Launcher} (how a JVM starts).</p>
 */
@ManagedObject("The egg-cluster master: the agent's and the workers' slots")
public class Master extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Master.class);
    /** How often the workers' resident memory is read, when {@code jetty.egg.maxWorkerRss} is set. */
    private static final long RSS_CHECK_MS = 5000;
    private static final String TCP_MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req";

    private enum Phase
    {
        STARTING_AGENT, STARTING_WORKERS, READY, STOPPING
    }

    /** What the queue of changes runs, one at a time. */
    private enum Kind
    {
        REPLACE, ADD, REMOVE
    }

    /**
     * One change to the workers: a replacement (of {@code slot}, because {@code why}; part of {@code reload} if
     * any), an added worker, a removed one.
     */
    private record Change(Kind kind, Slot slot, String why, Reload reload, Scale scale)
    {
        Change(Kind kind, Slot slot, String why, Reload reload)
        {
            this(kind, slot, why, reload, null);
        }
    }

    /** A scaling asked on the control socket: {@code left} added or removed workers to go. */
    private static final class Scale
    {
        final int target;
        int left;
        final CompletableFuture<String> answer;

        Scale(int target, int left, CompletableFuture<String> answer)
        {
            this.target = target;
            this.left = left;
            this.answer = answer;
        }
    }

    /** A rolling reload under way. */
    private static final class Reload
    {
        final long startNanos = System.nanoTime();
        int left;
        /** Those who asked on the control socket, answered when it is done. */
        final List<CompletableFuture<String>> answers = new ArrayList<>();
    }

    private final Server server;
    private final ProcessLogs logs;
    private final EggSettings config;
    private final String url;
    /** What the children tell the master, handed to the event loop. */
    private final ChildJvm.Events childEvents = new ChildJvm.Events()
    {
        @Override
        public void onReport(ChildJvm child, String report)
        {
            events.add(() -> report(child, report));
        }

        @Override
        public void onExit(ChildJvm child, int exitCode)
        {
            events.add(() -> exited(child, exitCode));
        }
    };
    private final BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final ControlServer control = new ControlServer();
    private final HazelcastMember member;
    private final Launcher launcher;
    private final AtomicBoolean signalled = new AtomicBoolean();
    /** Set as soon as a stop is asked for (a signal, the server stopping, a fatal error): nothing is forked after. */
    private volatile boolean stopRequested;
    /** Held while a child is forked, and while a stop is first asked for: no fork slips past a stop. */
    private final Object forkLock = new Object();
    private final Slot agent = new Slot(Role.AGENT, 0);
    /** The worker slots, 1..N in order; read off the loop only for a dump or JMX. */
    private final List<Slot> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Changes waiting, and the one under way; event loop only. */
    private final Deque<Change> changes = new ArrayDeque<>();
    private Change change;
    private Reload reload;
    private long nextRssCheckNanos;
    private RestartLimiter restarts;
    private Thread loop;
    /** Done once the event loop has left: the cluster is stopped, the children are gone. */
    private final CountDownLatch loopEnded = new CountDownLatch(1);
    /** Egg-ready (normally), a stop asked for before it (normally), or the start-up's failure (exceptionally). */
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private volatile Phase phase;
    private long startNanos;
    private volatile Long eggReadyMs;
    /** The status every operator view shows; published by the event loop. */
    private final StatusBoard board = new StatusBoard();
    private final StatusRows rows = new StatusRows(this::queueDepth);
    private long lastPublishNanos;
    private String lastShape = "";
    /** Answers not given yet: failed when the loop ends. */
    private final Set<CompletableFuture<String>> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AdminCommands adminCommands = new AdminCommands()
    {
        @Override
        public CompletableFuture<String> reload()
        {
            return ask(answer -> reloadAsked("reload asked on the control socket", answer));
        }

        @Override
        public CompletableFuture<String> scale(int count)
        {
            return ask(answer -> scaleTo(count, answer));
        }

        @Override
        public CompletableFuture<String> stop()
        {
            Thread stopper = new Thread(() -> stopAndExit("stop asked on the control socket"), "egg-stop");
            stopper.start();
            return CompletableFuture.completedFuture("stopping");
        }
    };
    private volatile int exitStatus;
    /** When the cluster began to stop (0: not yet): for the stopped line. */
    private volatile long stopNanos;
    private boolean done;

    /**
     * @param server the master's Jetty server (stopped on SIGTERM/SIGINT)
     * @param config the validated {@code jetty.egg.*} settings
     * @param url the URL the workers serve, for the egg-ready line
     * @param port the port the workers share
     * @param logs the log files, where each child's lines are written besides the console
     */
    public Master(Server server, EggSettings config, String url, int port, ProcessLogs logs)
    {
        this.server = server;
        this.config = config;
        this.url = url;
        this.logs = logs;
        ChildCommand command = ChildCommand.ofCurrentJvm(config.jvmArgs());
        if (!command.droppedOptions().isEmpty())
            LOG.info("the master's {} is not given to the children (a port each would bind, or the master's JIT " +
                "level): give a child its own through jetty.egg.jvmArgs, jetty.egg.agentJvmArgs or " +
                "jetty.egg.workerJvmArgs", command.droppedOptions());
        int hazelcastPort = config.hazelcastPort() != 0 ? config.hazelcastPort() :
            HazelcastSetup.freePort(config.hazelcastHost());
        Map<String, String> childProperties = new LinkedHashMap<>();
        childProperties.put("jetty.home", config.jettyHome());
        childProperties.put("jetty.base", config.jettyBase());
        childProperties.put("jetty.http.port", String.valueOf(port));
        childProperties.put("jetty.server.stopTimeout", String.valueOf(config.stopTimeoutMs()));
        childProperties.put("jetty.egg.workers", String.valueOf(config.workers()));
        childProperties.put(Control.HAZELCAST_HOST_PROPERTY, config.hazelcastHost());
        childProperties.put(Control.HAZELCAST_PORT_PROPERTY, String.valueOf(hazelcastPort));
        // the cluster's credential: in the children's environment only, never on a command line or in a log
        String clusterName = "egg-" + UUID.randomUUID();
        this.member = new HazelcastMember(config, clusterName, hazelcastPort, why -> events.add(() -> fatal(why)));
        this.launcher = new Launcher(config, command, childProperties, Map.of(Control.ENV_CLUSTER, clusterName),
            control, events::add, () -> phase == Phase.READY, logs);
        for (int id = 1; id <= config.workers(); id++)
            workers.add(new Slot(Role.WORKER, id));
        addBean(config);
        addBean(board);
        // the status's figures as MBeans (registered where the jmx module is enabled), and systemd told of each
        // change when it runs the master (NOTIFY_SOCKET set; else nothing at all)
        ClusterFigures.attachTo(board);
        java.util.Optional.ofNullable(SystemdNotifier.fromEnvironment(System.getenv())).ifPresent(board::addListener);
        // first: a second cluster on this base is refused before anything starts, and the command line sees the
        // master starting
        addBean(new AdminSocket(java.nio.file.Path.of(config.jettyBase(), "work", "egg-cluster", "admin.sock"), board,
            adminCommands));
        if (config.operations().adminPort() > 0) addBean(new AdminHttp(config.operations(), board));
        addBean(control);
        // before the member: its first dry run runs while the member starts
        addBean(launcher);
        addBean(member);
    }

    /** @return the status every operator view shows (the command line, the dashboard, the MBeans, systemd) */
    public StatusBoard statusBoard()
    {
        return board;
    }

    @ManagedAttribute("The cluster's phase: STARTING_AGENT, STARTING_WORKERS, READY, STOPPING")
    public String getPhase()
    {
        return String.valueOf(phase);
    }

    @ManagedAttribute("The slots: role#id, the child in it, its state and restarts")
    public List<String> getSlots()
    {
        List<String> all = new ArrayList<>();
        all.add(agent.toString());
        workers.forEach(w -> all.add(w.toString()));
        return all;
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        List<Object> slots = new ArrayList<>();
        slots.add(agent);
        slots.addAll(workers);
        Change now = change;
        dumpObjects(out, indent, new DumpableCollection("slots (phase " + phase + (now == null ? "" : ", " +
            describe(now)) + ")", slots));
    }

    @Override
    protected void doStart() throws Exception
    {
        startNanos = System.nanoTime();
        restarts = new RestartLimiter(config.restartLimit(), config.restartWindowMs());
        handleSignal("TERM");
        handleSignal("INT");
        onSignal("HUP", () -> events.add(this::reloadAsked));
        onSignal("TTIN", () -> events.add(() -> scaleAsked(Kind.ADD)));
        onSignal("TTOU", () -> events.add(() -> scaleAsked(Kind.REMOVE)));
        LOG.info("egg-cluster master pid {} starting: 1 agent, {} workers", ProcessHandle.current().pid(), workers.size());
        checkTcpMigrateReq();
        super.doStart();
        HazelcastTransport.setWorkerCount(member.instance(), workers.size());
        loop = new Thread(this::run, "egg-master");
        loop.start();
        try
        {
            started.get();
        }
        catch (ExecutionException | InterruptedException e)
        {
            // the interrupt is set again only once the cluster has stopped: the wait for it would end at once
            if (e instanceof InterruptedException)
                events.add(this::stopAll);
            awaitLoopEnd();
            super.doStop();
            if (e instanceof InterruptedException)
                Thread.currentThread().interrupt();
            throw e instanceof ExecutionException && e.getCause() instanceof Exception x ? x : e;
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        stopRequested = true;
        events.add(this::stopAll);
        awaitLoopEnd();
        super.doStop();
        // the last of the lifecycle lines: the children have exited, the Hazelcast member is down
        long began = stopNanos;
        LOG.info("egg-cluster stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() -
            (began != 0 ? began : System.nanoTime())));
    }

    /** Waits for the event loop to have stopped the cluster; the loop may be the thread that is exiting the JVM. */
    private void awaitLoopEnd() throws InterruptedException
    {
        if (loop != null && Thread.currentThread() != loop)
            loopEnded.await(2 * config.stopTimeoutMs() + 10_000, TimeUnit.MILLISECONDS);
    }

    /**
     * SIGTERM and SIGINT stop the server (and so the cluster) and exit 0, not the JVM's 143/130.
     */
    private void handleSignal(String name)
    {
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal(name),
            signal -> stopAndExit("SIG" + name + " received"));
        if (previous == sun.misc.SignalHandler.SIG_IGN)
            LOG.warn("SIG{} is ignored by this process (it was started with SIG{} ignored, e.g. in the background " +
                "of a script): use SIGTERM to stop the cluster", name, name);
    }

    /**
     * Stops the cluster and the server, and exits the JVM (0 unless the cluster failed): on SIGTERM, SIGINT, or
     * {@code stop} on the control socket. Only the first call does anything. The JVM runs each signal handler on a
     * thread of its own, which may wait here for both stops.
     */
    private void stopAndExit(String why)
    {
        if (!signalled.compareAndSet(false, true))
            return;
        // from now on nothing is forked, whatever events are still queued before the stop; a fork under way
        // finishes (and is logged) first, so the log shows every fork before this line
        synchronized (forkLock)
        {
            stopRequested = true;
            LOG.info("{}: stopping the cluster", why);
        }
        // the cluster now (a start under way returns, and holds the server's lifecycle until it does), then the server
        events.add(this::stopAll);
        try
        {
            server.stop();
        }
        catch (Throwable x)
        {
            LOG.warn("stopping the master failed", x);
            exitStatus = Math.max(exitStatus, 1);
        }
        System.exit(exitStatus);
    }

    /** SIGHUP, SIGTTIN, SIGTTOU: handed to the event loop (the JVM runs the handler on a thread of its own). */
    private static void onSignal(String name, Runnable action)
    {
        try
        {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
        }
        catch (IllegalArgumentException e)
        {
            LOG.warn("SIG{} cannot be handled in this JVM ({}): its action is not available", name, e.getMessage());
        }
    }

    /**
     * Under SO_REUSEPORT Linux resets the connections waiting in the accept queue of a listener that closes (a
     * draining worker's) unless {@code net.ipv4.tcp_migrate_req} is 1 (Linux 5.14+, per network namespace): then it
     * moves them to another worker's listener. Says which it is, once.
     */
    private static void checkTcpMigrateReq()
    {
        try
        {
            String value = java.nio.file.Files.readString(java.nio.file.Path.of(TCP_MIGRATE_REQ)).trim();
            if (value.equals("0"))
                LOG.info("net.ipv4.tcp_migrate_req=0: when a worker stops (reload, recycling, scaling down), a connection " +
                    "still in its accept queue is reset; 'sysctl -w net.ipv4.tcp_migrate_req=1' (as root) moves it to " +
                    "another worker instead");
        }
        catch (IOException | RuntimeException e)
        {
            LOG.debug("no {} (Linux before 5.14, or no /proc): a stopping worker's accept queue is reset", TCP_MIGRATE_REQ);
        }
    }

    private void run()
    {
        try
        {
            loop();
        }
        finally
        {
            started.complete(null);
            for (CompletableFuture<String> answer : List.copyOf(unanswered))
                answer.completeExceptionally(new IllegalStateException("the cluster stopped"));
            loopEnded.countDown();
        }
        if (exitStatus != 0)
        {
            // after egg-ready nobody waits for a failure: the JVM exits, its shutdown hook stops the server
            LOG.error("egg-cluster master exits with status {}", exitStatus);
            System.exit(exitStatus);
        }
    }

    private void loop()
    {
        spawn(agent);
        phase = Phase.STARTING_AGENT;
        while (!done)
        {
            try
            {
                long wait = nextDeadline() - System.nanoTime();
                Runnable event = events.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
                if (event != null)
                    event.run();
                checkDeadlines();
                publishStatus(false);
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                stopAll();
            }
            catch (Throwable x)
            {
                LOG.error("egg-cluster master failed", x);
                fatal("egg-cluster master failed: " + x);
            }
        }
    }

    private List<Slot> slots()
    {
        List<Slot> all = new ArrayList<>(workers);
        all.add(agent);
        return all;
    }

    /** The deadline of a run: to be ready, to have drained, to send its next heartbeat; or none (Long.MAX_VALUE). */
    private long deadlineOf(Run run)
    {
        if (run == null || run.failure != null)
            return Long.MAX_VALUE;
        if (run.draining || !run.ready)
            return run.deadlineNanos;
        return run.lastHeartbeatNanos + TimeUnit.MILLISECONDS.toNanos(config.health().heartbeatTimeoutMs());
    }

    private long nextDeadline()
    {
        long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (Slot slot : slots())
        {
            for (Run run : new Run[] {slot.run, slot.next})
            {
                long deadline = deadlineOf(run);
                if (deadline != Long.MAX_VALUE && deadline - next < 0)
                    next = deadline;
            }
            if (slot.restartPending && slot.restartAtNanos - next < 0)
                next = slot.restartAtNanos;
        }
        return next;
    }

    private void checkDeadlines()
    {
        if (phase == Phase.STOPPING)
            return;
        long now = System.nanoTime();
        for (Slot slot : slots())
        {
            for (Run run : new Run[] {slot.run, slot.next})
            {
                long deadline = deadlineOf(run);
                if (deadline == Long.MAX_VALUE || now - deadline < 0)
                    continue;
                if (run.draining)
                {
                    run.failure = "did not stop within " + config.stopTimeoutMs() + " ms (jetty.egg.stopTimeout)";
                    LOG.warn("{} {}: killing it", run.jvm, run.failure);
                    run.jvm.kill();
                }
                else if (!run.ready)
                {
                    boolean isAgent = slot.role == Role.AGENT;
                    fail(run, "not ready within " + (isAgent ? config.agentStartTimeoutMs() :
                        config.workerStartTimeoutMs()) + " ms (" + (isAgent ? "jetty.egg.agentStartTimeout" :
                        "jetty.egg.workerStartTimeout") + ")");
                }
                else
                    frozen(run, TimeUnit.NANOSECONDS.toMillis(now - run.lastHeartbeatNanos));
            }
            if (slot.restartPending && now - slot.restartAtNanos >= 0)
            {
                slot.restartPending = false;
                spawn(slot, true);
            }
        }
        if (config.health().maxWorkerRssMb() > 0 && phase == Phase.READY && now - nextRssCheckNanos >= 0)
        {
            nextRssCheckNanos = now + TimeUnit.MILLISECONDS.toNanos(RSS_CHECK_MS);
            checkMemory();
        }
    }

    /**
     * A ready child that sent no heartbeat within the timeout is stuck (a deadlock, an endless GC, SIGSTOP): its
     * threads are logged when it can still answer, then it is killed; its exit replaces it.
     */
    private void frozen(Run run, long silentMs)
    {
        run.failure = "sent no heartbeat for " + silentMs + " ms (jetty.egg.heartbeatTimeout=" +
            config.health().heartbeatTimeoutMs() + ")";
        LOG.warn("{} {}: stuck; its threads follow, then it is killed", run.jvm, run.failure);
        launcher.threadDump(run.jvm, lines ->
        {
            LOG.warn("threads of {} ({} lines):", run.jvm, lines.size());
            lines.forEach(line -> LOG.warn("[{} threads] {}", run.jvm, line));
            LOG.warn("{} {}: killing it", run.jvm, run.failure);
            run.jvm.kill();
        });
    }

    /** jetty.egg.maxWorkerRss: a worker that outgrew it (and is old enough) is replaced, gracefully. */
    private void checkMemory()
    {
        long maxKib = config.health().maxWorkerRssMb() * 1024L;
        for (Slot slot : workers)
        {
            if (!slot.serving() || slot.run.jvm.ageMs() < config.health().minWorkerLifetimeMs())
                continue;
            long rss = ProcStat.rssKib(slot.run.jvm.pid());
            if (rss > maxKib)
                replace(slot, "its resident memory, " + (rss >> 10) + " MiB, exceeds jetty.egg.maxWorkerRss=" +
                    config.health().maxWorkerRssMb(), null);
        }
    }

    private void spawn(Slot slot)
    {
        spawn(slot, false);
    }

    /** Forks the slot's process. */
    private void spawn(Slot slot, boolean restart)
    {
        synchronized (forkLock)
        {
            Run run = fork(slot, restart, "");
            if (run != null)
                slot.run = run;
        }
    }

    /** Forks a JVM for the slot, or returns null when the cluster stops or the fork fails (fatal). */
    private Run fork(Slot slot, boolean restart, String purpose)
    {
        if (stopRequested)
        {
            LOG.info("not forking {}: the cluster is stopping", slot.name());
            return null;
        }
        try
        {
            Launcher.Forked forked = launcher.fork(slot.role, slot.id, phase == Phase.READY, childEvents);
            long timeout = slot.role == Role.AGENT ? config.agentStartTimeoutMs() : config.workerStartTimeoutMs();
            LOG.info("{} forked{}{}", forked.child(), forked.fromStandby() ? " (the standby JVM)" : "", purpose);
            return new Run(forked.child(), timeout, restart);
        }
        catch (IOException e)
        {
            fatal("cannot fork " + slot.name() + ": " + e);
            return null;
        }
    }

    private Slot slotOf(ChildJvm child)
    {
        for (Slot slot : slots())
        {
            if ((slot.run != null && slot.run.jvm == child) || (slot.next != null && slot.next.jvm == child))
                return slot;
        }
        return null;
    }

    private static Run runOf(Slot slot, ChildJvm child)
    {
        return slot.run != null && slot.run.jvm == child ? slot.run : slot.next;
    }

    private void report(ChildJvm child, String report)
    {
        Slot slot = slotOf(child);
        if (slot == null || phase == Phase.STOPPING)
            return;
        Run run = runOf(slot, child);
        String failure = Control.failure(report);
        String recycle = Control.recycling(report);
        Control.Figures figures = Control.heartbeatFigures(report);
        if (figures != null)
        {
            run.lastHeartbeatNanos = System.nanoTime();
            run.figures = figures;
        }
        else if (report.equals(Control.READY))
            ready(slot, run);
        else if (failure != null)
            fail(run, "failed to start: " + failure);
        else if (recycle != null)
        {
            if (run == slot.run && slot.serving() && slot.role == Role.WORKER && phase == Phase.READY)
                replace(slot, "it asks to be recycled: " + recycle, null);
        }
        else
            LOG.warn("{} sent an unknown report, ignored: {}", child, report);
    }

    /**
     * A child that failed is killed; its exit then decides: before egg-ready the cluster fails, after it the slot
     * is refilled (or, for a replacement, the change fails).
     */
    private void fail(Run run, String why)
    {
        if (run.failure != null)
            return;
        run.failure = why;
        LOG.warn("{} {}: killing it", run.jvm, why);
        run.jvm.kill();
    }

    private void ready(Slot slot, Run run)
    {
        if (run.failure != null || run.draining)
            return;
        run.ready = true;
        run.lastHeartbeatNanos = System.nanoTime();
        LOG.info("{} ready in {} ms", run.jvm, run.jvm.ageMs());
        if (run == slot.next)
        {
            // the replacement serves: the old process drains, and hands the slot over when it has exited
            LOG.info("{} serves in place of {}: stopping {} gracefully (jetty.egg.stopTimeout={} ms)", run.jvm,
                slot.run.jvm, slot.run.jvm, config.stopTimeoutMs());
            drain(slot.run);
            return;
        }
        switch (phase)
        {
            case STARTING_AGENT ->
            {
                register(slot);
                phase = Phase.STARTING_WORKERS;
                workers.forEach(this::spawn);
            }
            case STARTING_WORKERS ->
            {
                register(slot);
                if (workers.stream().allMatch(w -> w.run != null && w.run.ready))
                    eggReady();
            }
            case READY -> takeOver(slot);
            default ->
            {
            }
        }
    }

    private void register(Slot slot)
    {
        HazelcastTransport.register(member.instance(), new EggProcess(slot.role, slot.id, slot.run.jvm.pid()));
    }

    /** After egg-ready, the slot's ready process takes its messages: registered, then told egg-ready. */
    private void takeOver(Slot slot)
    {
        register(slot);
        slot.run.jvm.send(Control.eggReady());
        if (change != null && change.slot() == slot)
            changeDone(slot.run.jvm + " serves");
        standbyDue();
    }

    /** SIGTERM: the process finishes its requests and exits within the stop timeout, or is killed then. */
    private void drain(Run run)
    {
        run.draining = true;
        run.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.stopTimeoutMs() + 1000);
        run.jvm.terminate();
    }

    private void eggReady()
    {
        phase = Phase.READY;
        eggReadyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        slots().forEach(slot -> slot.run.jvm.send(Control.eggReady()));
        // the status says ready before the line does: whoever saw the line finds the status ready
        publishStatus(true);
        // one moment for both: the status's eggReadyMs and the line's figure
        LOG.info("egg-ready in {} ms: agent {}, workers [{}], serving {}", eggReadyMs, agent.run.jvm, workerList(),
            url);
        if (config.operations().consoleUntilReady())
            logs.quietConsole();
        nextRssCheckNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RSS_CHECK_MS);
        started.complete(null);
        standbyDue();
    }

    private String workerList()
    {
        return workers.stream().map(w -> w.run == null ? w.name() + ":-" : w.run.jvm.toString())
            .collect(Collectors.joining(", "));
    }

    /** A standby is forked a little after the cluster or a replacement is ready, not while it warms up. */
    private void standbyDue()
    {
        launcher.standbyDue(this::standbyWanted, this::forkStandby);
    }

    /** A standby is booted when there is none and nothing is starting or changing. */
    private boolean standbyWanted()
    {
        return phase == Phase.READY && change == null && launcher.standbyWanted() && agent.serving() &&
            workers.stream().allMatch(Slot::serving);
    }

    /**
     * Boots a standby worker JVM (jetty.egg.standby): it takes the place of the next worker that dies.
     */
    private void forkStandby()
    {
        synchronized (forkLock)
        {
            if (stopRequested)
                return;
            try
            {
                LOG.info("{} forked, ready to replace a worker", launcher.forkStandby(childEvents));
            }
            catch (IOException e)
            {
                LOG.warn("cannot fork a standby worker JVM (dead workers start from scratch): {}", e.toString());
            }
        }
    }

    private void exited(ChildJvm child, int exitCode)
    {
        launcher.endGroupLater(child);
        if (launcher.standbyExited(child))
        {
            if (phase == Phase.STOPPING)
                return;
            LOG.warn("{} exited with {} before it was needed", child, ChildJvm.describeExit(exitCode));
            logLastOutput(child);
            return;
        }
        Slot slot = slotOf(child);
        if (slot == null || phase == Phase.STOPPING)
            return;
        Run run = runOf(slot, child);
        String why = run.failure != null ? run.failure : "exited with " + ChildJvm.describeExit(exitCode);
        slot.lastExit = child + " " + (run.failure != null ? run.failure + ", " : "") + "exited with " +
            ChildJvm.describeExit(exitCode);
        if (phase != Phase.READY)
        {
            logLastOutput(child);
            fatal(child + " died before egg-ready: " + why);
            return;
        }
        if (run == slot.next)
        {
            slot.next = null;
            LOG.warn("{}, the replacement of {}, {}", child, slot.run == null ? slot.name() : slot.run.jvm, why);
            logLastOutput(child);
            changeFailed(child + " did not start: " + why);
            return;
        }
        slot.run = null;
        if (run.draining && run.failure == null)
            LOG.info("{} stopped: {}", child, ChildJvm.describeExit(exitCode));
        else
        {
            LOG.warn("{} died after egg-ready: {}", child, why);
            logLastOutput(child);
        }
        if (slot.next != null)
        {
            // its replacement takes the slot over: now if it is ready, else once it is
            slot.run = slot.next;
            slot.next = null;
            if (slot.run.ready)
                takeOver(slot);
            else if (run.ready)
                HazelcastTransport.unregister(member.instance(), slot.role, slot.id);
            return;
        }
        if (run.ready)
            HazelcastTransport.unregister(member.instance(), slot.role, slot.id);
        if (slot.removing)
        {
            removed(slot);
            return;
        }
        if (change != null && change.slot() == slot)
        {
            // an added worker that never served goes again; a slot whose replacement was under way restarts
            boolean added = change.kind() == Kind.ADD;
            changeFailed(child + (run.ready ? " died: " : " did not start: ") + why);
            if (added)
                return;
        }
        restart(slot, run, why);
    }

    /** A slot's process died: start the next, within the restart limit, after the backoff's delay. */
    private void restart(Slot slot, Run dead, String why)
    {
        if (!restarts.tryRestart(System.nanoTime()))
        {
            fatal("restart limit reached: more than " + restarts.limit() + " restarts within " + restarts.windowMs() +
                " ms (jetty.egg.restartLimit, jetty.egg.restartWindow); last: " + dead.jvm + " " + why);
            return;
        }
        slot.restarts++;
        long delay = slot.backoff.delayAfterDeath(dead.jvm.ageMs(), dead.restart);
        if (delay == 0)
        {
            LOG.info("restarting {} ({} restart(s) of this slot; {} {})", slot.name(), slot.restarts, dead.jvm, why);
            spawn(slot, true);
            return;
        }
        LOG.info("restarting {} in {} ms ({} restart(s) of this slot; {} quick death(s) in a row, backoff; {} {})",
            slot.name(), delay, slot.restarts, slot.backoff.quickDeaths(), dead.jvm, why);
        slot.restartPending = true;
        slot.restartAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
    }

    // ---- changes: replacements (reload, recycling), added and removed workers, one at a time ----

    /** SIGHUP: a rolling reload of every worker, unless one is under way (then this request joins it). */
    private void reloadAsked()
    {
        reloadAsked("SIGHUP received", null);
    }

    /**
     * A rolling reload of every worker, unless one is under way (then this request joins it).
     *
     * @param source who asked, for the log
     * @param answer told when the reload is done or failed; null for a signal
     */
    private void reloadAsked(String source, CompletableFuture<String> answer)
    {
        if (phase != Phase.READY)
        {
            String why = "no reload " + (phase == Phase.STOPPING ? "while the cluster stops" :
                "before egg-ready (the workers are starting with the base as it is)");
            LOG.warn("{}: {}", source, why);
            if (answer != null)
                answer.completeExceptionally(new IllegalStateException(why));
            return;
        }
        if (reload != null)
        {
            LOG.info("{}: a reload is under way since {} ms ago; this request joins it", source,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - reload.startNanos));
            if (answer != null)
                reload.answers.add(answer);
            return;
        }
        Reload started = new Reload();
        reload = started;
        if (answer != null)
            started.answers.add(answer);
        LOG.info("{}: reloading {} worker(s), one at a time (the agent is kept)", source, workers.size());
        // the base as it is now: start.d, modules, jars; then each worker in turn
        launcher.refresh(failure ->
        {
            if (reload != started)
                return;
            if (failure != null)
            {
                reloadFailed(failure);
                return;
            }
            for (Slot slot : workers)
            {
                started.left++;
                changes.add(new Change(Kind.REPLACE, slot, "reload", started));
            }
            next();
        });
    }

    /** SIGTTIN adds a worker, SIGTTOU removes the highest one: queued with the other changes. */
    private void scaleAsked(Kind kind)
    {
        if (phase != Phase.READY)
        {
            LOG.warn("SIG{} received: no scaling {}", kind == Kind.ADD ? "TTIN" : "TTOU", phase == Phase.STOPPING ?
                "while the cluster stops" : "before egg-ready");
            return;
        }
        changes.add(new Change(kind, null, kind == Kind.ADD ? "SIGTTIN" : "SIGTTOU", null));
        next();
    }

    /** The control socket's {@code scale}: workers added or removed, one at a time, until there are {@code count}. */
    private void scaleTo(int count, CompletableFuture<String> answer)
    {
        if (phase != Phase.READY)
        {
            answer.completeExceptionally(new IllegalStateException("no scaling " + (phase == Phase.STOPPING ?
                "while the cluster stops" : "before egg-ready")));
            return;
        }
        if (count < 1 || count > EggConfig.MAX_WORKERS)
        {
            answer.completeExceptionally(new IllegalArgumentException("cannot scale to " + count + " workers: " +
                "expected 1.." + EggConfig.MAX_WORKERS));
            return;
        }
        // what the queued changes will leave (a removal under way still counts its slot)
        int projected = workers.size() - (change != null && change.kind() == Kind.REMOVE ? 1 : 0);
        for (Change queued : changes)
            projected += queued.kind() == Kind.ADD ? 1 : queued.kind() == Kind.REMOVE ? -1 : 0;
        int diff = count - projected;
        if (diff == 0)
        {
            answer.complete(projected + " worker(s) already: nothing to do");
            return;
        }
        Scale scale = new Scale(count, Math.abs(diff), answer);
        String why = "scaling to " + count + " worker(s), asked on the control socket";
        LOG.info("{}: {} {} worker(s)", why, diff > 0 ? "adding" : "removing", Math.abs(diff));
        for (int i = 0; i < Math.abs(diff); i++)
            changes.add(new Change(diff > 0 ? Kind.ADD : Kind.REMOVE, null, why, null, scale));
        next();
    }

    /** An added or removed worker of a scaling is done ({@code failure} null) or failed: the answer when last. */
    private void scaleStep(Change step, String failure)
    {
        Scale scale = step.scale();
        if (scale == null || scale.answer.isDone())
            return;
        if (failure != null)
        {
            changes.removeIf(c -> c.scale() == scale);
            scale.answer.completeExceptionally(new IllegalStateException("scaling to " + scale.target +
                " worker(s) failed: " + failure + "; " + workers.size() + " worker(s) [" + workerList() + "]"));
        }
        else if (--scale.left == 0)
            scale.answer.complete(workers.size() + " worker(s) [" + workerList() + "]");
    }

    /** Queues a graceful replacement of {@code slot} unless one is queued or under way. */
    private void replace(Slot slot, String why, Reload reload)
    {
        if ((change != null && change.slot() == slot) ||
            changes.stream().anyMatch(c -> c.slot() == slot && c.kind() == Kind.REPLACE))
            return;
        LOG.info("{} is to be replaced: {}", slot.run.jvm, why);
        changes.add(new Change(Kind.REPLACE, slot, why, reload));
        next();
    }

    /** Runs the next change when none is under way. */
    private void next()
    {
        while (change == null && !changes.isEmpty() && phase == Phase.READY)
        {
            Change next = changes.poll();
            switch (next.kind())
            {
                case REPLACE -> beginReplace(next);
                case ADD -> beginAdd(next);
                case REMOVE -> beginRemove(next);
            }
        }
    }

    private void beginReplace(Change replace)
    {
        Slot slot = replace.slot();
        if (!workers.contains(slot) || slot.removing || !slot.serving() || slot.next != null)
        {
            // gone, removed, or restarting: its next process starts with the base as it is now anyway
            LOG.info("{} is not serving now: not replaced ({})", slot.name(), replace.why());
            if (replace.reload() != null)
                reloadStep(replace.reload());
            return;
        }
        change = replace;
        synchronized (forkLock)
        {
            slot.next = fork(slot, false, " to replace " + slot.run.jvm + " (" + replace.why() + ")");
        }
        if (slot.next == null)
            changeFailed("cannot fork a replacement of " + slot.run.jvm);
    }

    private void beginAdd(Change add)
    {
        if (workers.size() >= EggConfig.MAX_WORKERS)
        {
            LOG.warn("{}: not adding a worker: {} is the most (jetty.egg.workers at most {})", add.why(), workers.size(),
                EggConfig.MAX_WORKERS);
            scaleStep(add, workers.size() + " workers is the most");
            return;
        }
        Slot slot = new Slot(Role.WORKER, workers.size() + 1);
        change = new Change(Kind.ADD, slot, add.why(), null, add.scale());
        // the count first: messages for the new slot are held until its process is ready
        workers.add(slot);
        HazelcastTransport.setWorkerCount(member.instance(), workers.size());
        LOG.info("{}: adding {} ({} workers)", add.why(), slot.name(), workers.size());
        spawn(slot);
        if (slot.run == null)
            changeFailed("cannot fork " + slot.name());
    }

    private void beginRemove(Change remove)
    {
        if (workers.size() <= 1)
        {
            LOG.warn("{}: not removing a worker: 1 is the least", remove.why());
            scaleStep(remove, "1 worker is the least");
            return;
        }
        Slot slot = workers.get(workers.size() - 1);
        change = new Change(Kind.REMOVE, slot, remove.why(), null, remove.scale());
        slot.removing = true;
        // the count first: no message is addressed to the slot from now on
        HazelcastTransport.setWorkerCount(member.instance(), workers.size() - 1);
        if (slot.restartPending || slot.run == null)
        {
            slot.restartPending = false;
            LOG.info("{}: removing {} ({} workers), which has no process now", remove.why(), slot.name(),
                workers.size() - 1);
            removed(slot);
            return;
        }
        LOG.info("{}: removing {} ({} workers): stopping {} gracefully (jetty.egg.stopTimeout={} ms)", remove.why(),
            slot.name(), workers.size() - 1, slot.run.jvm, config.stopTimeoutMs());
        if (slot.run.ready)
            drain(slot.run);
        else
            slot.run.jvm.terminate();
    }

    /** The removed slot's process is gone: the slot goes, and what is left in its hold goes elsewhere or is counted. */
    private void removed(Slot slot)
    {
        workers.remove(slot);
        changeDone(slot.name() + " removed, " + workers.size() + " worker(s) [" + workerList() + "]; " + retire(slot));
    }

    /**
     * What the removed slot still held goes elsewhere (sendRandom) or is counted (copies for all workers, messages to
     * its pid); the slot stays closed until a worker is added again.
     */
    private RetiredSlot retire(Slot slot)
    {
        RetiredSlot retired = HazelcastTransport.retireSlot(member.instance(), slot.id);
        if (retired.dropped() > 0)
            LOG.warn("{}", retired);
        return retired;
    }

    private void changeDone(String what)
    {
        Change done = change;
        change = null;
        if (done == null)
            return;
        switch (done.kind())
        {
            case REPLACE ->
            {
                LOG.info("{} replaced ({}): {}", done.slot().name(), done.why(), what);
                if (done.reload() != null)
                    reloadStep(done.reload());
            }
            case ADD -> LOG.info("{} added: {}, {} worker(s) [{}]", done.slot().name(), what, workers.size(),
                workerList());
            case REMOVE -> LOG.info("{}", what);
        }
        scaleStep(done, null);
        next();
    }

    private void changeFailed(String why)
    {
        Change failed = change;
        change = null;
        if (failed == null)
            return;
        switch (failed.kind())
        {
            case REPLACE ->
            {
                if (failed.reload() != null)
                    reloadFailed(why + "; " + failed.slot().name() + " and the workers after it keep serving");
                else
                    LOG.warn("replacing {} ({}) failed: {}; it keeps serving", failed.slot().name(), failed.why(), why);
            }
            case ADD ->
            {
                Slot slot = failed.slot();
                workers.remove(slot);
                HazelcastTransport.setWorkerCount(member.instance(), workers.size());
                LOG.warn("adding {} failed: {}; {} worker(s) [{}]; {}", slot.name(), why, workers.size(), workerList(),
                    retire(slot));
            }
            case REMOVE -> LOG.warn("removing {} failed: {}", failed.slot().name(), why);
        }
        scaleStep(failed, why);
        next();
    }

    private void reloadStep(Reload step)
    {
        if (reload != step)
            return;
        if (--step.left > 0)
            return;
        reload = null;
        String done = "reload done in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - step.startNanos) +
            " ms: workers [" + workerList() + "]";
        LOG.info("{}", done);
        step.answers.forEach(answer -> answer.complete(done));
        standbyDue();
    }

    private void reloadFailed(String why)
    {
        Reload failed = reload;
        reload = null;
        changes.removeIf(c -> c.reload() == failed);
        LOG.error("reload failed: {}", why);
        if (failed != null)
            failed.answers.forEach(answer -> answer.completeExceptionally(new IllegalStateException("reload failed: " +
                why)));
        standbyDue();
    }

    // ---- the status ----

    /** Hands a request to the event loop; its answer is failed if the loop ends first. */
    private CompletableFuture<String> ask(java.util.function.Consumer<CompletableFuture<String>> request)
    {
        CompletableFuture<String> answer = new CompletableFuture<>();
        if (phase == Phase.STOPPING || loopEnded.getCount() == 0)
        {
            answer.completeExceptionally(new IllegalStateException("the cluster is stopping"));
            return answer;
        }
        unanswered.add(answer);
        answer.whenComplete((done, failure) -> unanswered.remove(answer));
        events.add(() -> request.accept(answer));
        return answer;
    }

    /**
     * Publishes the status when something changed (a process, a state, a change under way) or a second has passed
     * since the last (for the figures), or when {@code force}d.
     */
    private void publishStatus(boolean force)
    {
        long now = System.nanoTime();
        // the agent first, then the workers by slot: the order of the rows
        List<Slot> ordered = new ArrayList<>();
        ordered.add(agent);
        ordered.addAll(workers);
        StringBuilder shape = new StringBuilder().append(phase).append(change == null ? "" : describe(change))
            .append(reload != null).append(changes.size());
        ordered.forEach(slot -> shape.append('|').append(slot));
        if (!force && shape.toString().equals(lastShape) && now - lastPublishNanos < TimeUnit.SECONDS.toNanos(1))
            return;
        lastShape = shape.toString();
        lastPublishNanos = now;
        String state = clusterState();
        boolean stopping = phase == Phase.STOPPING;
        long uptimeMs = TimeUnit.NANOSECONDS.toMillis(now - startNanos);
        List<ProcessStatus> list = new ArrayList<>();
        list.add(rows.master(state, uptimeMs));
        for (Slot slot : ordered)
        {
            list.add(rows.of(slot, slot.run, stopping));
            if (slot.next != null)
                list.add(rows.of(slot, slot.next, stopping));
        }
        Set<Long> pids = new HashSet<>();
        list.forEach(row -> pids.add(row.pid()));
        rows.retainOnly(pids);
        String under = change != null ? describe(change) : reload != null ? "reload (preparing the workers' command)" :
            null;
        if (under != null && !changes.isEmpty())
            under += ", " + changes.size() + " more queued";
        board.publish(new ClusterStatus(state, under, ProcessHandle.current().pid(), uptimeMs, eggReadyMs,
            workers.size(), url, config.jettyBase(), Versions.ALL, list, System.currentTimeMillis()));
    }

    private String clusterState()
    {
        return switch (phase == null ? Phase.STARTING_AGENT : phase)
        {
            case STARTING_AGENT, STARTING_WORKERS -> "starting";
            case READY -> change != null || reload != null || !changes.isEmpty() ? "reloading" : "ready";
            case STOPPING -> "stopping";
        };
    }

    /** @return the messages held for the slot in the member, -1 when the member cannot say */
    private long queueDepth(Slot slot)
    {
        try
        {
            return HazelcastTransport.queueDepth(member.instance(), slot.role, slot.id);
        }
        catch (RuntimeException e)
        {
            return -1;
        }
    }

    private static String describe(Change change)
    {
        return change.kind().name().toLowerCase(java.util.Locale.ROOT) + " " +
            (change.slot() == null ? "" : change.slot().name() + " ") + "(" + change.why() + ")";
    }

    /** One log line per output line: the logger folds line breaks inside one message. */
    private static void logLastOutput(ChildJvm child)
    {
        List<String> tail = child.tail();
        LOG.warn("last {} lines of output of {}{}", tail.size(), child, tail.isEmpty() ? " (none)" : ":");
        tail.forEach(line -> LOG.warn("[{}] {}", child, line));
    }

    /**
     * Stops everything; before egg-ready the failure is thrown out of {@link #doStart}, after it the JVM exits with
     * status 1 once the loop has ended ({@link #run}).
     */
    private void fatal(String why)
    {
        LOG.error("egg-cluster failed: {}", why);
        if (!started.completeExceptionally(new IllegalStateException("egg-cluster failed: " + why)))
            exitStatus = 1;
        stopAll();
    }

    /** Workers first, gracefully within the stop timeout, then the agent; a child still alive then is killed. */
    private void stopAll()
    {
        if (phase == Phase.STOPPING)
            return;
        phase = Phase.STOPPING;
        stopNanos = System.nanoTime();
        stopRequested = true;
        done = true;
        publishStatus(true);
        launcher.cancel();
        stop(workers);
        stop(List.of(agent));
    }

    private void stop(List<Slot> slots)
    {
        List<ChildJvm> alive = new ArrayList<>();
        for (Slot slot : slots)
        {
            for (Run run : new Run[] {slot.run, slot.next})
            {
                if (run != null && run.jvm.isAlive())
                {
                    alive.add(run.jvm);
                    run.jvm.terminate();
                }
            }
        }
        if (alive.isEmpty())
            return;
        LOG.info("stopping {}", alive);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.stopTimeoutMs() + 1000);
        for (ChildJvm child : alive)
        {
            try
            {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (!child.waitFor(Math.max(1, left)))
                {
                    LOG.warn("{} did not stop within {} ms (jetty.egg.stopTimeout): killing it", child, config.stopTimeoutMs());
                    child.kill();
                    child.waitFor(5000);
                }
                LOG.info("{} stopped: {}", child, ChildJvm.describeExit(child.exitCode()));
            }
            catch (InterruptedException e)
            {
                child.kill();
                Thread.currentThread().interrupt();
            }
        }
        launcher.endGroups(alive);
    }
}
