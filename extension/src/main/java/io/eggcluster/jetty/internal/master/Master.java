package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.util.ArrayList;
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
import io.eggcluster.jetty.internal.EggSettings;
import io.eggcluster.jetty.internal.messenger.HazelcastSetup;
import io.eggcluster.jetty.internal.messenger.HazelcastTransport;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Dumpable;
import org.eclipse.jetty.util.component.DumpableCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master (Egg's {@code master.js}): forks the agent, waits for it, forks the workers, waits for all of them,
 * announces egg-ready; then replaces dead children within the restart limit; on stop, stops the workers, then the
 * agent.
 *
 * <p>Everything that changes the cluster happens on one thread, {@code egg-master}, which takes events (a child's
 * report, a child's exit, a deadline, a stop, a result of the {@link Launcher}) from a queue: no locks, and the order
 * of events is the order of decisions. It is started in {@link #doStart} and has ended when {@link #doStop}
 * returns.</p>
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

    private enum Phase
    {
        STARTING_AGENT, STARTING_WORKERS, READY, STOPPING
    }

    /** A place for a child: the agent, or worker N. A replacement takes its predecessor's slot. */
    private static final class Slot implements Dumpable
    {
        final Role role;
        final int id;
        ChildJvm child;
        boolean ready;
        long deadlineNanos = Long.MAX_VALUE;
        String failure;
        int restarts;

        Slot(Role role, int id)
        {
            this.role = role;
            this.id = id;
        }

        @Override
        public void dump(Appendable out, String indent) throws IOException
        {
            out.append(toString()).append(System.lineSeparator());
        }

        @Override
        public String toString()
        {
            // read off the event loop for a dump: a moment's view
            ChildJvm jvm = child;
            String state = jvm == null ? "empty" : ready ? "ready" : failure != null ? "failing: " + failure : "starting";
            return role.id() + "#" + id + " " + (jvm == null ? "-" : jvm.toString()) + " " + state + ", restarted " +
                restarts + " time(s)";
        }
    }

    private final Server server;
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
    private final List<Slot> workers = new ArrayList<>();
    private RestartLimiter restarts;
    private Thread loop;
    /** Done once the event loop has left: the cluster is stopped, the children are gone. */
    private final CountDownLatch loopEnded = new CountDownLatch(1);
    /** Egg-ready (normally), a stop asked for before it (normally), or the start-up's failure (exceptionally). */
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private volatile Phase phase;
    private long startNanos;
    private volatile int exitStatus;
    private boolean done;

    /**
     * @param server the master's Jetty server (stopped on SIGTERM/SIGINT)
     * @param config the validated {@code jetty.egg.*} settings
     * @param url the URL the workers serve, for the egg-ready line
     * @param port the port the workers share
     */
    public Master(Server server, EggSettings config, String url, int port)
    {
        this.server = server;
        this.config = config;
        this.url = url;
        ChildCommand command = ChildCommand.ofCurrentJvm(config.jvmArgs());
        if (!command.droppedOptions().isEmpty())
            LOG.info("the master's {} is not given to the children (each would bind the same debug port): give a " +
                "child its own through jetty.egg.jvmArgs", command.droppedOptions());
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
            control, events::add, () -> phase == Phase.READY);
        for (int id = 1; id <= config.workers(); id++)
            workers.add(new Slot(Role.WORKER, id));
        addBean(config);
        addBean(control);
        addBean(member);
        addBean(launcher);
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
        dumpObjects(out, indent, new DumpableCollection("slots (phase " + phase + ")", slots));
    }

    @Override
    protected void doStart() throws Exception
    {
        startNanos = System.nanoTime();
        restarts = new RestartLimiter(config.restartLimit(), config.restartWindowMs());
        handleSignal("TERM");
        handleSignal("INT");
        LOG.info("egg-cluster master pid {} starting: 1 agent, {} workers", ProcessHandle.current().pid(), workers.size());
        super.doStart();
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
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal(name), signal ->
        {
            if (!signalled.compareAndSet(false, true))
                return;
            // from now on nothing is forked, whatever events are still queued before the stop; a fork under way
            // finishes (and is logged) first, so the log shows every fork before this line
            synchronized (forkLock)
            {
                stopRequested = true;
                LOG.info("SIG{} received: stopping the cluster", name);
            }
            // the cluster now (a start under way returns, and holds the server's lifecycle until it does), then the
            // server; the JVM runs each signal handler on a thread of its own, which may wait for both
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
        });
        if (previous == sun.misc.SignalHandler.SIG_IGN)
            LOG.warn("SIG{} is ignored by this process (it was started with SIG{} ignored, e.g. in the background " +
                "of a script): use SIGTERM to stop the cluster", name, name);
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
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                stopAll();
            }
            catch (Throwable x)
            {
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

    private long nextDeadline()
    {
        long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (Slot slot : slots())
        {
            if (slot.child != null && !slot.ready && slot.failure == null && slot.deadlineNanos - next < 0)
                next = slot.deadlineNanos;
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
            if (slot.child != null && !slot.ready && slot.failure == null && now - slot.deadlineNanos >= 0)
            {
                boolean isAgent = slot.role == Role.AGENT;
                fail(slot, "not ready within " + (isAgent ? config.agentStartTimeoutMs() : config.workerStartTimeoutMs()) +
                    " ms (" + (isAgent ? "jetty.egg.agentStartTimeout" : "jetty.egg.workerStartTimeout") + ")");
            }
        }
    }

    private void spawn(Slot slot)
    {
        synchronized (forkLock)
        {
            spawnUnlessStopping(slot);
        }
    }

    private void spawnUnlessStopping(Slot slot)
    {
        if (stopRequested)
        {
            LOG.info("not forking {}#{}: the cluster is stopping", slot.role.id(), slot.id);
            return;
        }
        try
        {
            Launcher.Forked forked = launcher.fork(slot.role, slot.id, phase == Phase.READY, childEvents);
            slot.child = forked.child();
            slot.ready = false;
            slot.failure = null;
            long timeout = slot.role == Role.AGENT ? config.agentStartTimeoutMs() : config.workerStartTimeoutMs();
            slot.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            LOG.info("{} forked{}", slot.child, forked.fromStandby() ? " (the standby JVM)" : "");
        }
        catch (IOException e)
        {
            fatal("cannot fork " + slot.role.id() + "#" + slot.id + ": " + e);
        }
    }

    private Slot slotOf(ChildJvm child)
    {
        for (Slot slot : slots())
        {
            if (slot.child == child)
                return slot;
        }
        return null;
    }

    private void report(ChildJvm child, String report)
    {
        Slot slot = slotOf(child);
        if (slot == null || phase == Phase.STOPPING)
            return;
        String failure = Control.failure(report);
        if (report.equals(Control.READY))
            ready(slot);
        else if (failure != null)
            fail(slot, "failed to start: " + failure);
        else
            LOG.warn("{} sent an unknown report, ignored: {}", child, report);
    }

    /**
     * A child that failed is killed; its exit then decides: before egg-ready the cluster fails, after it the slot
     * is refilled.
     */
    private void fail(Slot slot, String why)
    {
        slot.failure = why;
        LOG.warn("{} {}: killing it", slot.child, why);
        slot.child.kill();
    }

    private void ready(Slot slot)
    {
        slot.ready = true;
        HazelcastTransport.register(member.instance(), new EggProcess(slot.role, slot.id, slot.child.pid()));
        LOG.info("{} ready in {} ms", slot.child, slot.child.ageMs());
        switch (phase)
        {
            case STARTING_AGENT ->
            {
                phase = Phase.STARTING_WORKERS;
                workers.forEach(this::spawn);
            }
            case STARTING_WORKERS ->
            {
                if (workers.stream().allMatch(w -> w.ready))
                    eggReady();
            }
            case READY ->
            {
                slot.child.send(Control.eggReady());
                standbyDue();
            }
            default ->
            {
            }
        }
    }

    private void eggReady()
    {
        phase = Phase.READY;
        slots().forEach(slot -> slot.child.send(Control.eggReady()));
        LOG.info("egg-ready in {} ms: agent {}, workers [{}], serving {}",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), agent.child,
            workers.stream().map(w -> w.child.toString()).collect(Collectors.joining(", ")), url);
        started.complete(null);
        standbyDue();
    }

    /** A standby is forked a little after the cluster or a replacement is ready, not while it warms up. */
    private void standbyDue()
    {
        launcher.standbyDue(this::standbyWanted, this::forkStandby);
    }

    /** A standby is booted when there is none and nothing is starting. */
    private boolean standbyWanted()
    {
        return phase == Phase.READY && launcher.standbyWanted() && agent.ready && workers.stream().allMatch(w -> w.ready);
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
        String why = slot.failure != null ? slot.failure : "exited with " + ChildJvm.describeExit(exitCode);
        if (phase != Phase.READY)
        {
            logLastOutput(child);
            fatal(child + " died before egg-ready: " + why);
            return;
        }
        if (slot.ready)
            HazelcastTransport.unregister(member.instance(), slot.role, slot.id);
        slot.child = null;
        slot.ready = false;
        LOG.warn("{} died after egg-ready: {}", child, why);
        logLastOutput(child);
        if (!restarts.tryRestart(System.nanoTime()))
        {
            fatal("restart limit reached: more than " + restarts.limit() + " restarts within " + restarts.windowMs() +
                " ms (jetty.egg.restartLimit, jetty.egg.restartWindow); last: " + child + " " + why);
            return;
        }
        LOG.info("restarting {}#{}", slot.role.id(), slot.id);
        slot.restarts++;
        spawn(slot);
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
        stopRequested = true;
        done = true;
        launcher.cancel();
        stop(workers);
        stop(List.of(agent));
    }

    private void stop(List<Slot> slots)
    {
        List<ChildJvm> alive = new ArrayList<>();
        for (Slot slot : slots)
        {
            if (slot.child != null && slot.child.isAlive())
            {
                alive.add(slot.child);
                slot.child.terminate();
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
