package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.EggSettings;
import io.eggcluster.jetty.internal.child.Standby;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the master starts a child JVM: through {@code start.jar} until {@code start.jar --dry-run} has given the
 * resolved command ({@link #resolve}), then without it; from the standby JVM it keeps booted when there is one
 * (jetty.egg.standby); with the class data sharing archive of a standby's classes once one is written
 * (jetty.egg.classDataSharing).
 *
 * <p>Its state (the resolved command, the standby, the archive) belongs to the master's event loop: everything
 * here is called on it, and the work done in the background (the dry run and the archive's {@code jcmd}, on this
 * bean's {@code egg-launcher} pool; the delays, on its {@code egg-launcher-timer} scheduler) posts its results to the
 * event loop. The children's output is drained on its {@code egg-child-output} pool. All three are beans, started and
 * stopped with it.</p>
 */
@ManagedObject("How the master starts a child JVM")
public final class Launcher extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
    private static final String RECORD_DUMP_INFO = "-XX:+RecordDynamicDumpInfo";
    /** How long a standby warms up before its classes are archived. */
    private static final long DUMP_AFTER_MS = 5000;
    /** How long {@code jcmd ... VM.cds dynamic_dump} may take (it takes ~1 s) before it is killed. */
    private static final long JCMD_TIMEOUT_MS = 30_000;
    /** How long a stuck child's {@code jcmd Thread.print} may take before the child is killed without it. */
    private static final long THREAD_DUMP_TIMEOUT_MS = 5_000;
    private static final int MAX_THREAD_DUMP_LINES = 3_000;
    /** How long the first fork waits for the first dry run before it starts the child through start.jar. */
    private static final long FIRST_RESOLVE_WAIT_MS = 20_000;

    private final EggSettings settings;
    private final ChildCommand command;
    private final Map<String, String> childProperties;
    private final Map<String, String> environment;
    private final ControlServer control;
    private final Consumer<Runnable> post;
    private final BooleanSupplier serving;
    private final ProcessLogs logs;
    private final QueuedThreadPool output = new QueuedThreadPool();
    private final QueuedThreadPool work = new QueuedThreadPool(4, 1);
    private final Scheduler timer = new ScheduledExecutorScheduler("egg-launcher-timer", true);
    /** The children's command without start.jar, once the dry run has given it; event loop only. */
    private ChildCommand.Launch launch;
    /** Where the children's class data sharing archive is, once the launch is known; event loop only. */
    private Path cdsArchive;
    /** A worker JVM booted ahead of need, waiting for a slot; event loop only. */
    private ChildJvm standby;
    /** A standby stopped because a reload changed the children's command: its exit is no news. */
    private ChildJvm discarded;
    /** The first dry run, until the first fork has taken its result; event loop only. */
    private CompletableFuture<Resolved> firstResolve;
    /** The standby being archived, kept out of service until the dump is done; event loop only. */
    private ChildJvm dumping;
    /** Whether this master had a worker record the class list already (once per launch); event loop only. */
    private boolean classListTried;
    /** Whether this master asked a standby for the archive already (once per master); event loop only. */
    private boolean archiveTried;
    /** The dry run's or the dump's process while it runs, so that a stop does not leave it behind. */
    private volatile Process helper;

    /**
     * @param childProperties the start properties every child gets ({@link Control}'s and the user's)
     * @param environment what every child gets in its environment besides the master's own: its secrets
     * @param post hands a task to the master's event loop
     * @param serving whether the cluster is egg-ready and not stopping (asked on the event loop)
     * @param logs where the children's lines are written besides the console
     */
    Launcher(EggSettings settings, ChildCommand command, Map<String, String> childProperties,
             Map<String, String> environment, ControlServer control, Consumer<Runnable> post, BooleanSupplier serving,
             ProcessLogs logs)
    {
        this.logs = logs;
        this.settings = settings;
        this.command = command;
        this.childProperties = Map.copyOf(childProperties);
        this.environment = Map.copyOf(environment);
        this.control = control;
        this.post = post;
        this.serving = serving;
        output.setName("egg-child-output");
        output.setDaemon(true);
        output.setReservedThreads(0);
        // two a child (the agent, the workers, a standby, and predecessors whose output is still draining, which a
        // process the child started may hold open for a while): never capped, or a new child's pumps would wait in
        // the queue behind those and the child would block on its full pipe
        output.setMaxThreads(Integer.MAX_VALUE);
        output.setMinThreads(2);
        // a pump ends when its child's output closes; on stop, the children are gone already
        output.setStopTimeout(1000);
        work.setName("egg-launcher");
        work.setDaemon(true);
        work.setReservedThreads(0);
        addBean(output);
        addBean(work);
        addBean(timer);
    }

    @ManagedAttribute("Whether children start without start.jar, from its dry run")
    public boolean isResolved()
    {
        return launch != null;
    }

    @ManagedAttribute("The standby JVM, if one is booted")
    public String getStandby()
    {
        return String.valueOf(standby);
    }

    @ManagedAttribute("The children's class data sharing archive")
    public String getArchive()
    {
        return String.valueOf(cdsArchive);
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        CompletableFuture<Resolved> resolving = new CompletableFuture<>();
        firstResolve = resolving;
        work.execute(() -> resolve(resolving));
    }

    @Override
    protected void doStop() throws Exception
    {
        Process running = helper;
        if (running != null)
            running.destroyForcibly();
        super.doStop();
        Files.deleteIfExists(execProperties());
        Files.deleteIfExists(nextExecProperties());
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        dumpObjects(out, indent, "launch " + (launch != null ? "resolved" : "through start.jar") + ", standby " +
            standby + (dumping != null ? " (archiving)" : "") + ", archive " + cdsArchive);
    }

    /**
     * Forks {@code role#id}: the standby becomes it when {@code fromStandby} allows and there is one ready, else a
     * new JVM.
     *
     * @return the child; {@link ChildJvm#toString()} says which
     */
    Forked fork(Role role, int id, boolean fromStandby, ChildJvm.Events events) throws IOException
    {
        awaitFirstResolve();
        if (fromStandby && standby != null && standby != dumping && role == Role.WORKER)
        {
            // the standby JVM is booted: it becomes this worker now
            ChildJvm child = standby;
            standby = null;
            child.activate(role, id);
            return new Forked(child, true);
        }
        List<String> argv;
        if (launch != null)
            argv = launch.command(role, id, concat(concat(sharedArchiveOptions(), recordClassList(role)),
                roleOptions(role)));
        else
        {
            Map<String, String> properties = new LinkedHashMap<>(childProperties);
            if (role == Role.WORKER)
                properties.put("jetty.http.reusePort", "true");
            argv = command.command(role, id, properties, roleOptions(role));
        }
        return new Forked(ChildJvm.start(role, id, argv, environment, control, output, logs, events), false);
    }

    /**
     * The first worker of a launch without a class list records one ({@code -XX:DumpLoadedClassList}, next to the
     * class data sharing archive): the classes the JVM loads through its start, its deployment and its requests,
     * which every standby then loads while it waits ({@code Standby}), and so the archive of the first standby holds.
     *
     * @return the JVM option, or none
     */
    private List<String> recordClassList(Role role)
    {
        if (role != Role.WORKER || cdsArchive == null || classListTried || Files.exists(classList(cdsArchive)))
            return List.of();
        classListTried = true;
        return List.of("-XX:DumpLoadedClassList=" + classList(cdsArchive));
    }

    /** @return the class list that goes with a class data sharing archive */
    private static Path classList(Path archive)
    {
        String name = archive.getFileName().toString();
        return archive.resolveSibling(name.substring(0, name.length() - ".jsa".length()) + ".classlist");
    }

    /** @return the role's own JVM options (jetty.egg.agentJvmArgs, jetty.egg.workerJvmArgs) */
    private List<String> roleOptions(Role role)
    {
        return role == Role.AGENT ? settings.agentJvmArgs() : settings.workerJvmArgs();
    }

    private static List<String> concat(List<String> first, List<String> then)
    {
        if (then.isEmpty())
            return first;
        List<String> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }

    record Forked(ChildJvm child, boolean fromStandby)
    {
    }

    /**
     * A standby is wanted a little after the cluster or a replacement is ready, not while it warms up: after the
     * delay the event loop forks one if {@code wanted} still says so.
     */
    void standbyDue(BooleanSupplier wanted, Runnable fork)
    {
        timer.schedule(() -> post.accept(() ->
        {
            if (wanted.getAsBoolean())
                fork.run();
        }), settings.standbyDelayMs(), TimeUnit.MILLISECONDS);
    }

    /** @return whether a standby could be forked now (enabled, none yet, the command resolved) */
    boolean standbyWanted()
    {
        return settings.standby() && standby == null && launch != null;
    }

    /**
     * Boots a standby worker JVM: it takes the place of the next worker that dies. The first of a master whose
     * children have no class data sharing archive yet is archived once it has warmed up.
     *
     * @return the standby
     */
    ChildJvm forkStandby(ChildJvm.Events events) throws IOException
    {
        List<String> options = sharedArchiveOptions();
        boolean dump = options.isEmpty() && settings.classDataSharing() && !archiveTried && cdsArchive != null;
        // the dump lists every class it cannot archive as a warning: not for the cluster's log
        List<String> jvm = new ArrayList<>(dump ? List.of(RECORD_DUMP_INFO, "-Xlog:cds=off,cds+dynamic=off") : options);
        if (cdsArchive != null)
            jvm.add("-D" + Standby.CLASS_LIST_PROPERTY + "=" + classList(cdsArchive));
        standby = ChildJvm.standby(launch.standbyCommand(concat(jvm, roleOptions(Role.WORKER))), environment, control,
            output, logs, events);
        if (dump)
        {
            archiveTried = true;
            ChildJvm target = standby;
            Path archive = cdsArchive;
            timer.schedule(() -> post.accept(() -> dumpArchive(target, archive)), DUMP_AFTER_MS, TimeUnit.MILLISECONDS);
        }
        return standby;
    }

    /** @return whether {@code child} was the standby (now forgotten) */
    boolean standbyExited(ChildJvm child)
    {
        if (child == discarded)
        {
            discarded = null;
            return true;
        }
        if (child != standby)
            return false;
        standby = null;
        return true;
    }

    /** The cluster stops: the standby, and a dry run or a dump under way, go. */
    void cancel()
    {
        Process running = helper;
        if (running != null)
            running.destroyForcibly();
        if (standby != null)
            standby.terminate();
    }

    /**
     * What a dead child started (a webapp's subprocesses) dies with it: SIGTERM to its process group now, SIGKILL to
     * what is left after the stop timeout; in the background, the event loop goes on.
     */
    void endGroupLater(ChildJvm child)
    {
        if (child.signalGroup("0"))
            work.execute(() -> endGroups(List.of(child)));
    }

    /**
     * Ends what the (exited) children left in their process groups: SIGTERM, then SIGKILL after the stop timeout.
     */
    void endGroups(List<ChildJvm> children)
    {
        List<ChildJvm> left = children.stream().filter(c -> c.signalGroup("TERM")).toList();
        if (left.isEmpty())
            return;
        LOG.info("ending the processes {} left behind (SIGTERM to their process groups)", left);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.stopTimeoutMs());
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
                    settings.stopTimeoutMs());
        }
    }

    /**
     * Asks {@code start.jar --dry-run}, in the background, for the command it would run for a child, so that
     * children start without start.jar's module resolution (~0.4 s of CPU each). The children's properties (those of
     * the base's {@code start.d} included, which may hold passwords) go to a file of mode 0600
     * ({@link #execProperties}), never on a command line. Until it is there, or if it fails (logged without the
     * properties), children start through start.jar.
     */
    private void resolve(CompletableFuture<Resolved> resolving)
    {
        try
        {
            String failure = dryRun(resolving::complete);
            if (failure != null)
                LOG.warn("children start through start.jar: start.jar --dry-run failed: {}", failure);
        }
        finally
        {
            // however it ended (an Error too): the first fork goes on at once, through start.jar if not resolved
            resolving.complete(null);
        }
    }

    /**
     * The first fork waits for the first dry run (started with this bean, beside the Hazelcast member's start; in
     * this JVM it takes ~0.1-0.3 s), so that every child, the agent included, starts without start.jar; at most
     * {@link #FIRST_RESOLVE_WAIT_MS}, then the children start through start.jar.
     */
    void awaitFirstResolve()
    {
        CompletableFuture<Resolved> resolving = firstResolve;
        if (resolving == null)
            return;
        firstResolve = null;
        try
        {
            Resolved resolved = resolving.get(FIRST_RESOLVE_WAIT_MS, TimeUnit.MILLISECONDS);
            if (resolved != null)
            {
                adopt(resolved.launch, resolved.archive);
                LOG.info("children start without start.jar, from what start.jar --dry-run printed in {} ms",
                    resolved.ms);
            }
        }
        catch (TimeoutException e)
        {
            resolving.cancel(false);
            LOG.warn("children start through start.jar: start.jar --dry-run did not answer within {} ms",
                FIRST_RESOLVE_WAIT_MS);
        }
        catch (ExecutionException e)
        {
            LOG.warn("children start through start.jar: start.jar --dry-run failed: {}", e.getCause().toString());
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A reload: runs {@code start.jar --dry-run} again, in the background, so that the next children start with the
     * base as it is now (its {@code start.d}, modules, jars); the properties file is replaced whole, never seen half
     * written. On the event loop, {@code done} gets null once the new command is in use, or why it failed (the old
     * command stays). A standby booted with another command than the new one is stopped: it is not used.
     */
    void refresh(Consumer<String> done)
    {
        work.execute(() ->
        {
            String failure = dryRun(resolved -> post.accept(() ->
            {
                boolean changed = launch == null || !launch.equals(resolved.launch);
                adopt(resolved.launch, resolved.archive);
                if (changed && standby != null && standby != dumping)
                {
                    LOG.info("{} was booted with the children's old command: stopping it", standby);
                    discarded = standby;
                    standby = null;
                    discarded.terminate();
                }
                done.accept(null);
            }));
            if (failure != null)
                post.accept(() -> done.accept("start.jar --dry-run failed: " + failure));
        });
    }

    private void adopt(ChildCommand.Launch resolved, Path archive)
    {
        if (cdsArchive != null && !cdsArchive.equals(archive))
        {
            archiveTried = false;
            classListTried = false;
        }
        launch = resolved;
        cdsArchive = archive;
    }

    private record Resolved(ChildCommand.Launch launch, Path archive, long ms)
    {
    }

    /**
     * Runs the dry run into a fresh 0600 file, then moves that file over {@link #execProperties} in one step (a child
     * starting meanwhile reads the old file or the new one, whole), and hands the command, which names
     * {@link #execProperties}, to {@code then}.
     *
     * @return null when it worked, else why not (without the properties)
     */
    private String dryRun(Consumer<Resolved> then)
    {
        long start = System.nanoTime();
        Map<String, String> properties = new LinkedHashMap<>(childProperties);
        properties.put("jetty.http.reusePort", "true");
        Path file = execProperties();
        Path next = nextExecProperties();
        try
        {
            ownerOnlyFile(next);
            if (!isRunning())
                return null;
            String printed;
            if (StartJarDryRun.available())
            {
                try
                {
                    printed = StartJarDryRun.print(command.dryRunArguments(properties, next));
                }
                catch (IllegalArgumentException e)
                {
                    return "start.jar refused the children's arguments: " + ShellWords.redactProperties(
                        String.valueOf(e.getMessage()));
                }
            }
            else
            {
                // not started by start.jar in this JVM (a test's launcher): start.jar in a JVM of its own
                Process process = new ProcessBuilder(command.dryRunCommand(properties, next)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.PIPE).start();
                helper = process;
                process.getOutputStream().close();
                printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int exit = process.waitFor();
                helper = null;
                if (exit != 0 && isRunning())
                    return "it exited with " + ChildJvm.describeExit(exit) + ": " +
                        ShellWords.redactProperties(printed.strip());
            }
            if (!isRunning())
                return null;
            ChildCommand.Launch resolved = command.fromDryRun(printed, next, settings.classDataSharing())
                .withProperties(next, file);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Path archive = settings.classDataSharing() ? Path.of(settings.jettyBase(), "work", "egg-cluster",
                "children-" + resolved.fingerprint() + ".jsa") : null;
            then.accept(new Resolved(resolved, archive, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
            return null;
        }
        catch (IOException | RuntimeException e)
        {
            return e.getMessage();
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Logs a child's threads ({@code jcmd <pid> Thread.print}, in the background, at most {@link #JCMD_TIMEOUT_MS}),
     * then hands the lines to {@code then} on the event loop: a stopped process ({@code SIGSTOP}) answers nothing, so
     * it is not asked.
     */
    void threadDump(ChildJvm child, Consumer<List<String>> then)
    {
        work.execute(() ->
        {
            List<String> lines;
            char state = ProcStat.state(child.pid());
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            if (state == 'T' || state == 't')
                lines = List.of("(no thread dump: the process is stopped by a signal, state " + state + ")");
            else if (!Files.isExecutable(jcmd))
                lines = List.of("(no thread dump: no " + jcmd + " in this Java)");
            else
                lines = jcmd(jcmd, child.pid());
            post.accept(() -> then.accept(lines));
        });
    }

    private List<String> jcmd(Path jcmd, long pid)
    {
        try
        {
            Path log = Files.createTempFile("egg-thread-dump-", ".txt");
            try
            {
                Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "Thread.print")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                process.getOutputStream().close();
                if (!process.waitFor(THREAD_DUMP_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                {
                    process.destroyForcibly();
                    return List.of("(no thread dump: jcmd " + pid + " Thread.print did not answer within " +
                        THREAD_DUMP_TIMEOUT_MS + " ms)");
                }
                List<String> lines = Files.readAllLines(log);
                return lines.size() > MAX_THREAD_DUMP_LINES ? lines.subList(0, MAX_THREAD_DUMP_LINES) : lines;
            }
            finally
            {
                Files.deleteIfExists(log);
            }
        }
        catch (IOException e)
        {
            return List.of("(no thread dump: " + e + ")");
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return List.of("(no thread dump: interrupted)");
        }
    }

    /** The children's start properties, written by start.jar --dry-run: one file per master, removed on stop. */
    private Path execProperties()
    {
        return Path.of(settings.jettyBase(), "work", "egg-cluster", "children-" + ProcessHandle.current().pid() +
            ".properties");
    }

    /** Where a dry run writes the properties before they replace {@link #execProperties} (start.jar wants the suffix). */
    private Path nextExecProperties()
    {
        return execProperties().resolveSibling("children-" + ProcessHandle.current().pid() + ".next.properties");
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
     * ends the target JVM (JDK 17), so only a standby is ever dumped: checked here, on the event loop, when the time
     * comes; it is kept out of service until {@code jcmd} is done (or has overrun its {@link #JCMD_TIMEOUT_MS} and
     * been killed).
     */
    private void dumpArchive(ChildJvm target, Path archive)
    {
        if (standby != target || !serving.getAsBoolean())
        {
            // it became a worker meanwhile (or we stop): the next standby is archived instead
            archiveTried = false;
            return;
        }
        dumping = target;
        work.execute(() ->
        {
            try
            {
                dump(target.pid(), archive);
            }
            finally
            {
                post.accept(() -> dumping = null);
            }
        });
    }

    private void dump(long pid, Path archive)
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
            // its output goes to a file: a pipe would need a reader of its own besides this thread's wait
            Path log = archive.resolveSibling(archive.getFileName() + ".jcmd.log");
            Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "VM.cds", "dynamic_dump",
                partial.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            helper = process;
            process.getOutputStream().close();
            boolean finished = process.waitFor(JCMD_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            helper = null;
            String printed = Files.exists(log) ? Files.readString(log).strip() : "";
            Files.deleteIfExists(log);
            if (!finished)
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
                    "VM.cds dynamic_dump' exited {}: {}", jcmd, pid, exit, printed);
                return;
            }
            Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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

    /**
     * Archives of other launches (another jar, another JVM option) are of no use any more, nor their class lists: one
     * archive a base.
     */
    private static void removeOtherArchives(Path archive)
    {
        try (DirectoryStream<Path> others = Files.newDirectoryStream(archive.getParent(), "children-*.{jsa,classlist}"))
        {
            for (Path other : others)
            {
                if (!other.equals(archive) && !other.equals(classList(archive)))
                {
                    Files.deleteIfExists(other);
                    LOG.info("removed the class data sharing {} of an earlier launch: {}",
                        other.toString().endsWith(".jsa") ? "archive" : "class list", other);
                }
            }
        }
        catch (IOException e)
        {
            LOG.debug("could not remove old class data sharing archives: {}", e.toString());
        }
    }
}
