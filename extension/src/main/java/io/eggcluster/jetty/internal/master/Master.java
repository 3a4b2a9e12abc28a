package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.EggConfig;
import io.eggcluster.jetty.internal.messenger.HazelcastSetup;
import io.eggcluster.jetty.internal.messenger.HazelcastTransport;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master (Egg's {@code master.js}): forks the agent, waits for it, forks the workers, waits for all of them,
 * announces egg-ready; then replaces dead children within the restart limit; on stop, stops the workers, then the
 * agent.
 *
 * <p>Everything that changes the cluster happens on one thread, {@code egg-master}, which takes events (a child's
 * report, a child's exit, a deadline, a stop) from a queue: no locks, and the order of events is the order of
 * decisions.</p>
 *
 * <p>{@link #doStart} returns once the cluster is egg-ready, so Jetty's "Started Server" line means the workers
 * serve; before egg-ready any failure (a child that dies, reports a failed start or misses its start timeout) stops
 * everything and is thrown out of {@code start()} (Egg fails its start the same way). A stop asked for meanwhile (a
 * signal) ends {@code doStart} normally, and the stop follows. After egg-ready a failure (the restart limit) stops the
 * cluster and exits the JVM with status 1.</p>
 */
public class Master extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Master.class);

    private enum Phase
    {
        STARTING_AGENT, STARTING_WORKERS, READY, STOPPING
    }

    /** A place for a child: the agent, or worker N. A replacement takes its predecessor's slot. */
    private static final class Slot
    {
        final Role role;
        final int id;
        ChildJvm child;
        boolean ready;
        long deadlineNanos = Long.MAX_VALUE;
        String failure;

        Slot(Role role, int id)
        {
            this.role = role;
            this.id = id;
        }
    }

    private final Server server;
    private final EggConfig config;
    private final ChildCommand command;
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
    /** A worker JVM booted ahead of need (jetty.egg.standby), waiting for a slot; event loop only. */
    private ChildJvm standby;
    private static final long STANDBY_DELAY_MS = 1000;
    private boolean standbyPending;
    private long standbyDueNanos;
    private static final String RECORD_DUMP_INFO = "-XX:+RecordDynamicDumpInfo";
    /** How long a standby warms up before its classes are archived. */
    private static final long DUMP_AFTER_MS = 5000;
    /** How long {@code jcmd ... VM.cds dynamic_dump} may take (it takes ~1 s) before it is killed. */
    private static final long JCMD_TIMEOUT_MS = 30_000;
    /** The standby being archived, kept out of service until the dump is done; event loop only. */
    private ChildJvm dumping;
    /** Where the children's class data sharing archive is (jetty.egg.classDataSharing), once the launch is known. */
    private volatile Path cdsArchive;
    /** Whether this master asked a standby for the archive already (once per master). */
    private boolean archiveTried;
    /** The children's command without start.jar, once {@link #resolveLaunch} has it. */
    private volatile ChildCommand.Launch launch;
    private final Map<String, String> childProperties;
    private final String url;
    /** The cluster's credential: in the children's environment only, never on a command line or in a log. */
    private final String clusterName = "egg-" + UUID.randomUUID();
    /** What every child gets in its environment: its secrets. */
    private final Map<String, String> childEnvironment = Map.of(Control.ENV_CLUSTER, clusterName);
    /** Where the children report (their standard output is only output). */
    private final ControlServer control = new ControlServer();
    /** Drains the children's output: two threads a child, for as long as it runs. */
    private final QueuedThreadPool output = new QueuedThreadPool();
    private final int hazelcastPort;
    private final CompletableFuture<HazelcastInstance> member = new CompletableFuture<>();
    private final BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final AtomicBoolean signalled = new AtomicBoolean();
    /** Set as soon as a stop is asked for (a signal, the server stopping, a fatal error): nothing is forked after. */
    private volatile boolean stopRequested;
    /** Held while a child is forked, and while a stop is first asked for: no fork slips past a stop. */
    private final Object forkLock = new Object();
    /** The start.jar --dry-run JVM while it runs, so a stop does not leave it behind. */
    private volatile Process dryRun;
    private final Slot agent = new Slot(Role.AGENT, 0);
    private final List<Slot> workers = new ArrayList<>();
    private RestartLimiter restarts;
    private Thread loop;
    /** Done once the event loop has left: the cluster is stopped, the children are gone. */
    private final java.util.concurrent.CountDownLatch loopEnded = new java.util.concurrent.CountDownLatch(1);
    /** Egg-ready (normally), a stop asked for before it (normally), or the start-up's failure (exceptionally). */
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private Phase phase;
    private long startNanos;
    private volatile int exitStatus;
    private boolean done;

    /**
     * @param server the master's Jetty server (stopped on SIGTERM/SIGINT)
     * @param config the validated {@code jetty.egg.*} properties
     * @param url the URL the workers serve, for the egg-ready line
     * @param port the port the workers share
     */
    public Master(Server server, EggConfig config, String url, int port)
    {
        this.server = server;
        this.config = config;
        this.url = url;
        this.command = ChildCommand.ofCurrentJvm(config.jvmArgs());
        this.childProperties = new LinkedHashMap<>();
        childProperties.put("jetty.home", config.jettyHome());
        childProperties.put("jetty.base", config.jettyBase());
        childProperties.put("jetty.http.port", String.valueOf(port));
        childProperties.put("jetty.server.stopTimeout", String.valueOf(config.stopTimeoutMs()));
        childProperties.put("jetty.egg.workers", String.valueOf(config.workers()));
        this.hazelcastPort = config.hazelcastPort() != 0 ? config.hazelcastPort() : HazelcastSetup.freePort(config.hazelcastHost());
        childProperties.put("jetty.egg.hazelcast.host", config.hazelcastHost());
        childProperties.put("jetty.egg.hazelcast.port", String.valueOf(hazelcastPort));
        output.setName("egg-child-output");
        output.setDaemon(true);
        output.setReservedThreads(0);
        // two a child: the agent, the workers, a standby, and the predecessors whose output is still draining
        output.setMaxThreads(2 * (config.workers() + 8));
        output.setMinThreads(2);
        addBean(control);
        addBean(output);
    }

    @Override
    protected void doStart() throws Exception
    {
        startNanos = System.nanoTime();
        restarts = new RestartLimiter(config.restartLimit(), config.restartWindowMs());
        for (int id = 1; id <= config.workers(); id++)
            workers.add(new Slot(Role.WORKER, id));
        handleSignal("TERM");
        handleSignal("INT");
        LOG.info("egg-cluster master pid {} starting: 1 agent, {} workers", ProcessHandle.current().pid(), workers.size());
        if (!command.droppedOptions().isEmpty())
            LOG.info("the master's {} is not given to the children (each would bind the same debug port): give a " +
                "child its own through jetty.egg.jvmArgs", command.droppedOptions());
        super.doStart();
        startMember();
        resolveLaunch();
        loop = new Thread(this::run, "egg-master");
        loop.start();
        try
        {
            started.get();
        }
        catch (java.util.concurrent.ExecutionException | InterruptedException e)
        {
            if (e instanceof InterruptedException)
            {
                Thread.currentThread().interrupt();
                events.add(this::stopAll);
            }
            awaitLoopEnd();
            super.doStop();
            Files.deleteIfExists(execProperties());
            throw e instanceof java.util.concurrent.ExecutionException && e.getCause() instanceof Exception x ? x : e;
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        stopRequested = true;
        events.add(this::stopAll);
        awaitLoopEnd();
        super.doStop();
        Files.deleteIfExists(execProperties());
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

    /**
     * The Hazelcast member starts while the agent's JVM boots: the children's clients retry until it is up. It holds
     * the slots' messages, so it is where their bound in bytes is kept (see {@code Batches}): the children never
     * need {@code jetty.egg.queueBytes}, a refused send names it from there.
     */
    private void startMember()
    {
        int slots = config.workers() + 1;
        long maxHeap = Runtime.getRuntime().maxMemory();
        long queueBytes = config.queueBytes(maxHeap);
        if (slots * (double)queueBytes > maxHeap / 2.0)
            LOG.warn("the message holds of the {} receivers may take {} MiB of this master's {} MiB heap " +
                "(jetty.egg.queueBytes={} each): set it lower, or give the master more heap", slots,
                slots * queueBytes >> 20, maxHeap >> 20, queueBytes);
        Thread thread = new Thread(() ->
        {
            long start = System.nanoTime();
            try
            {
                HazelcastInstance instance = Hazelcast.newHazelcastInstance(HazelcastSetup.member(clusterName,
                    config.hazelcastHost(), hazelcastPort, config.hazelcastMembers(), config.queueCapacity(),
                    queueBytes, slots));
                LOG.info("Hazelcast member up on {}:{} in {} ms; it holds up to {} messages and {} bytes for each of " +
                    "the {} receivers (jetty.egg.queueCapacity, jetty.egg.queueBytes)", config.hazelcastHost(),
                    hazelcastPort, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), config.queueCapacity(),
                    queueBytes, slots);
                member.complete(instance);
            }
            catch (Throwable x)
            {
                member.completeExceptionally(x);
                events.add(() -> fatal("the Hazelcast member cannot start on " + config.hazelcastHost() + ":" +
                    hazelcastPort + " (jetty.egg.hazelcast.host, jetty.egg.hazelcast.port): " + x));
            }
        }, "egg-hazelcast-member");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Asks {@code start.jar --dry-run}, once and in the background, for the command it would run for a child, so
     * that children after the first start without start.jar's module resolution (~0.4 s of CPU each). The children's
     * properties (those of the base's {@code start.d} included, which may hold passwords) go to a file of mode 0600
     * ({@link #execProperties}), never on a command line. Until it is there, or if it fails (logged without the
     * properties), children start through start.jar.
     */
    private void resolveLaunch()
    {
        Thread thread = new Thread(() ->
        {
            long start = System.nanoTime();
            Map<String, String> properties = new LinkedHashMap<>(childProperties);
            properties.put("jetty.http.reusePort", "true");
            Path file = execProperties();
            try
            {
                ownerOnlyFile(file);
                if (stopRequested)
                    return;
                Process process = new ProcessBuilder(command.dryRunCommand(properties, file)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.PIPE).start();
                dryRun = process;
                process.getOutputStream().close();
                String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                int exit = process.waitFor();
                if (exit != 0)
                    throw new IllegalStateException("it exited with " + ChildJvm.describeExit(exit) + ": " +
                        ShellWords.redactProperties(output.strip()));
                ChildCommand.Launch resolved = command.fromDryRun(output, file, config.classDataSharing());
                if (config.classDataSharing())
                    cdsArchive = Path.of(config.jettyBase(), "work", "egg-cluster", "children-" + resolved.fingerprint() +
                        ".jsa");
                launch = resolved;
                LOG.info("children start without start.jar, from what start.jar --dry-run printed in {} ms",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
            catch (IOException | RuntimeException e)
            {
                LOG.warn("children start through start.jar: start.jar --dry-run failed: {}", e.getMessage());
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }, "egg-launch");
        thread.setDaemon(true);
        thread.start();
    }

    /** The children's start properties, written by start.jar --dry-run: one file per master, removed on stop. */
    private Path execProperties()
    {
        return Path.of(config.jettyBase(), "work", "egg-cluster", "children-" + ProcessHandle.current().pid() +
            ".properties");
    }

    /**
     * Makes {@code file} empty and readable by this user only (its directory too, when it makes it), before anything
     * is written to it: start.jar keeps the mode of a file that exists.
     */
    static void ownerOnlyFile(Path file) throws IOException
    {
        Path dir = file.getParent();
        if (!Files.isDirectory(dir))
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /**
     * @return the JVM options that map the children's class data sharing archive, when there is one for this launch
     */
    private List<String> sharedArchiveOptions()
    {
        Path archive = cdsArchive;
        if (archive == null || !Files.isRegularFile(archive))
            return List.of();
        return List.of("-XX:SharedArchiveFile=" + archive);
    }

    /**
     * Archives the classes a standby has loaded ({@code jcmd <pid> VM.cds dynamic_dump}) once it has warmed up:
     * later children (replacements, standbys, the workers of the next start of this base) map them. A failed dump
     * ends the target JVM (JDK 17), so only a standby is ever dumped: the event loop checks, when the time comes,
     * that it still is one, and keeps it out of service until {@code jcmd} is done (or has overrun its
     * {@link #JCMD_TIMEOUT_MS} and been killed).
     */
    private void dumpArchiveLater(ChildJvm target, Path archive)
    {
        Thread timer = new Thread(() ->
        {
            try
            {
                Thread.sleep(DUMP_AFTER_MS);
                events.add(() ->
                {
                    if (standby != target || phase != Phase.READY)
                    {
                        // it became a worker meanwhile (or we stop): the next standby is archived instead
                        archiveTried = false;
                        return;
                    }
                    dumping = target;
                    Thread dump = new Thread(() ->
                    {
                        try
                        {
                            dumpArchive(target.pid(), archive);
                        }
                        finally
                        {
                            events.add(() -> dumping = null);
                        }
                    }, "egg-cds");
                    dump.setDaemon(true);
                    dump.start();
                });
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }, "egg-cds-timer");
        timer.setDaemon(true);
        timer.start();
    }

    private void dumpArchive(long pid, Path archive)
    {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try
        {
            if (!Files.isExecutable(jcmd))
            {
                LOG.info("no class data sharing archive for the children: no {} in this Java", jcmd);
                return;
            }
            Files.createDirectories(archive.getParent());
            Path partial = archive.resolveSibling(archive.getFileName() + ".partial");
            Files.deleteIfExists(partial);
            long start = System.nanoTime();
            Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "VM.cds", "dynamic_dump",
                partial.toString()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                }
                catch (IOException e)
                {
                    return e.toString();
                }
            });
            if (!process.waitFor(JCMD_TIMEOUT_MS, TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly();
                LOG.warn("no class data sharing archive for the children (jetty.egg.classDataSharing): '{} {} VM.cds " +
                    "dynamic_dump' did not finish within {} ms: killed it", jcmd, pid, JCMD_TIMEOUT_MS);
                return;
            }
            int exit = process.exitValue();
            if (exit != 0 || !Files.isRegularFile(partial) || Files.size(partial) == 0)
            {
                LOG.warn("no class data sharing archive for the children (jetty.egg.classDataSharing): '{} {} " +
                    "VM.cds dynamic_dump' exited {}: {}", jcmd, pid, exit, output.getNow("").strip());
                return;
            }
            Files.move(partial, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            LOG.info("class data sharing archive for the children written in {} ms: {} ({} MB)",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), archive, Files.size(archive) >> 20);
            removeOtherArchives(archive);
        }
        catch (IOException e)
        {
            LOG.warn("no class data sharing archive for the children (jetty.egg.classDataSharing): {}", e.toString());
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Archives of other launches (another jar, another JVM option) are of no use any more: one archive a base. */
    private static void removeOtherArchives(Path archive)
    {
        try (java.nio.file.DirectoryStream<Path> others = Files.newDirectoryStream(archive.getParent(), "children-*.jsa"))
        {
            for (Path other : others)
            {
                if (!other.equals(archive))
                {
                    Files.deleteIfExists(other);
                    LOG.info("removed the class data sharing archive of an earlier launch: {}", other);
                }
            }
        }
        catch (IOException e)
        {
            LOG.debug("could not remove old class data sharing archives: {}", e.toString());
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
        if (standbyPending && now - standbyDueNanos >= 0)
        {
            standbyPending = false;
            forkStandby();
        }
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
        Map<String, String> properties = new LinkedHashMap<>(childProperties);
        if (slot.role == Role.WORKER)
            properties.put("jetty.http.reusePort", "true");
        try
        {
            ChildCommand.Launch resolved = launch;
            List<String> argv = resolved != null ? resolved.command(slot.role, slot.id, sharedArchiveOptions()) :
                command.command(slot.role, slot.id, properties);
            ChildJvm child;
            boolean fromStandby = standby != null && standby != dumping && slot.role == Role.WORKER &&
                phase == Phase.READY;
            if (fromStandby)
            {
                // the standby JVM is booted: it becomes this worker now, and another standby follows it once ready
                child = standby;
                standby = null;
                child.activate(slot.role, slot.id);
            }
            else
                child = ChildJvm.start(slot.role, slot.id, argv, childEnvironment, control, output, childEvents);
            slot.child = child;
            slot.ready = false;
            slot.failure = null;
            long timeout = slot.role == Role.AGENT ? config.agentStartTimeoutMs() : config.workerStartTimeoutMs();
            slot.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
            LOG.info("{} forked{}", child, fromStandby ? " (the standby JVM)" : "");
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
        if (report.equals(Control.READY))
            ready(slot);
        else if (Control.failure(report) != null)
            fail(slot, "failed to start: " + Control.failure(report));
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
        HazelcastTransport.register(member.join(), new EggProcess(slot.role, slot.id, slot.child.pid()));
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
        started.complete(null);
        slots().forEach(slot -> slot.child.send(Control.eggReady()));
        LOG.info("egg-ready in {} ms: agent {}, workers [{}], serving {}",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), agent.child,
            workers.stream().map(w -> w.child.toString()).collect(Collectors.joining(", ")), url);
        standbyDue();
    }

    /** A standby is forked a little after the cluster or a replacement is ready, not while it warms up. */
    private void standbyDue()
    {
        standbyDueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STANDBY_DELAY_MS);
        standbyPending = true;
    }

    /**
     * Boots a standby worker JVM (jetty.egg.standby) when there is none and nothing is starting: it takes the place
     * of the next worker that dies.
     */
    private void forkStandby()
    {
        synchronized (forkLock)
        {
            forkStandbyUnlessStopping();
        }
    }

    private void forkStandbyUnlessStopping()
    {
        if (stopRequested)
            return;
        ChildCommand.Launch resolved = launch;
        if (!config.standby() || standby != null || phase != Phase.READY || resolved == null ||
            workers.stream().anyMatch(w -> !w.ready) || !agent.ready)
            return;
        try
        {
            List<String> options = sharedArchiveOptions();
            boolean dump = options.isEmpty() && config.classDataSharing() && !archiveTried && cdsArchive != null;
            // the dump lists every class it cannot archive as a warning: not for the cluster's log
            standby = ChildJvm.standby(resolved.standbyCommand(dump ? List.of(RECORD_DUMP_INFO,
                "-Xlog:cds=off,cds+dynamic=off") : options), childEnvironment, control, output, childEvents);
            LOG.info("{} forked, ready to replace a worker", standby);
            if (dump)
            {
                archiveTried = true;
                dumpArchiveLater(standby, cdsArchive);
            }
        }
        catch (IOException e)
        {
            LOG.warn("cannot fork a standby worker JVM (dead workers start from scratch): {}", e.toString());
        }
    }

    private void exited(ChildJvm child, int exitCode)
    {
        if (child == standby)
        {
            standby = null;
            endGroupLater(child);
            if (phase == Phase.STOPPING)
                return;
            LOG.warn("{} exited with {} before it was needed", child, ChildJvm.describeExit(exitCode));
            logLastOutput(child);
            return;
        }
        endGroupLater(child);
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
            HazelcastTransport.unregister(member.join(), slot.role, slot.id);
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
        spawn(slot);
    }

    /**
     * What a dead child started (a webapp's subprocesses) dies with it: SIGTERM to its process group now, SIGKILL to
     * what is left after the stop timeout; in the background, the event loop goes on.
     */
    private void endGroupLater(ChildJvm child)
    {
        if (!child.signalGroup("0"))
            return;
        Thread thread = new Thread(() -> endGroups(List.of(child)), "egg-end-group-" + child.pid());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Ends what the (exited) children left in their process groups: SIGTERM, then SIGKILL after the stop timeout.
     */
    private void endGroups(List<ChildJvm> children)
    {
        List<ChildJvm> left = children.stream().filter(c -> c.signalGroup("TERM")).toList();
        if (left.isEmpty())
            return;
        LOG.info("ending the processes {} left behind (SIGTERM to their process groups)", left);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.stopTimeoutMs());
        try
        {
            while (System.nanoTime() - deadline < 0 && left.stream().anyMatch(c -> c.signalGroup("0")))
                Thread.sleep(50);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        for (ChildJvm child : left)
        {
            if (child.signalGroup("KILL"))
                LOG.warn("processes {} left behind did not stop within {} ms (jetty.egg.stopTimeout): killed them", child,
                    config.stopTimeoutMs());
        }
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
        Process resolving = dryRun;
        if (resolving != null)
            resolving.destroyForcibly();
        if (standby != null)
            standby.terminate();
        stop(workers);
        stop(List.of(agent));
        member.thenAccept(HazelcastInstance::shutdown);
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
        endGroups(alive);
    }
}
