package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.ProcessGroup;
import io.eggcluster.jetty.internal.admin.SystemdNotifier;

/**
 * The master's handle on one forked child JVM: started with its standard input as a pipe from the master that is
 * never written (its lifeline: it dies with the master) and its secrets in its environment, both output streams
 * drained line by line (each cut at {@value ProcessLogs#MAX_LINE_CHARS} characters, {@link BoundedLineReader}) and
 * printed with a {@code [role#id:pid]} prefix, and written to its slot's log file ({@link ProcessLogs}) (only
 * printed: nothing it prints is obeyed),
 * its control channel ({@link Control}) on the master's control socket: its reports handed to the master, the
 * master's commands ({@link #send}) written to it; its exit as an event once its output and its reports are drained.
 * Its output is drained on the threads of the executor the master gives it.
 */
final class ChildJvm
{
    private static final int TAIL_LINES = 20;

    /** What the master hears from a child. Called on the child's own pump threads. */
    interface Events
    {
        void onReport(ChildJvm child, String report);

        void onExit(ChildJvm child, int exitCode);
    }

    private volatile Role role;
    private volatile int id;
    private final Process process;
    private volatile String name;
    private volatile long startNanos = System.nanoTime();
    private final Deque<String> tail = new ArrayDeque<>();
    /** Where its lines are written besides the console: its slot's log file. */
    private final ProcessLogs logs;
    /** False for a standby until it takes a slot: its lines have no slot's file yet. */
    private volatile boolean slotted = true;
    private volatile ControlServer.Channel channel;
    /** Whether the child leads a process group of its own (started through setsid): its group id is its pid. */
    private volatile boolean grouped;

    private ChildJvm(Role role, int id, Process process, ProcessLogs logs)
    {
        this.role = role;
        this.id = id;
        this.process = process;
        this.logs = logs;
        this.name = role.id() + "#" + id + ":" + process.pid();
    }

    /**
     * @param environment what the child gets in its environment besides the master's own (its secrets)
     * @param control where the child's reports come in
     */
    static ChildJvm start(Role role, int id, List<String> command, Map<String, String> environment,
                          ControlServer control, Executor pumps, ProcessLogs logs, Events events) throws IOException
    {
        return start(role, id, command, environment, control, pumps, logs, events, false);
    }

    /**
     * Starts a standby worker ({@code io.eggcluster.jetty.internal.child.Standby}), named {@code standby:pid} until
     * {@link #activate} gives it a slot.
     */
    static ChildJvm standby(List<String> command, Map<String, String> environment, ControlServer control,
                            Executor pumps, ProcessLogs logs, Events events) throws IOException
    {
        return start(Role.WORKER, 0, command, environment, control, pumps, logs, events, true);
    }

    private static ChildJvm start(Role role, int id, List<String> command, Map<String, String> environment,
                                  ControlServer control, Executor pumps, ProcessLogs logs, Events events,
                                  boolean standby)
        throws IOException
    {
        List<String> argv = new ArrayList<>(ProcessGroup.newGroupPrefix());
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv)
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .redirectOutput(ProcessBuilder.Redirect.PIPE)
            .redirectError(ProcessBuilder.Redirect.PIPE);
        CompletableFuture<ChildJvm> started = new CompletableFuture<>();
        ControlServer.Channel channel = control.open(report -> events.onReport(started.join(), report));
        // only the master speaks for a systemd service: a child that notified would be refused (NotifyAccess=main)
        // or, with NotifyAccess=all, could say READY=1 for the whole cluster
        builder.environment().remove(SystemdNotifier.NOTIFY_SOCKET);
        builder.environment().putAll(environment);
        builder.environment().put(Control.ENV_SOCKET, control.socket().toString());
        builder.environment().put(Control.ENV_TOKEN, channel.token());
        ChildJvm child;
        try
        {
            child = new ChildJvm(role, id, builder.start(), logs);
            child.grouped = argv.size() > command.size();
        }
        catch (IOException | RuntimeException e)
        {
            control.close(channel);
            throw e;
        }
        child.channel = channel;
        started.complete(child);
        if (standby)
        {
            child.name = "standby:" + child.process.pid();
            child.slotted = false;
        }
        CompletableFuture<Void> out = child.pump(pumps, child.process.getInputStream(), System.out);
        CompletableFuture<Void> err = child.pump(pumps, child.process.getErrorStream(), System.err);
        child.process.onExit().thenCompose(p ->
            {
                channel.processEnded();
                return CompletableFuture.allOf(out, err, channel.ended()).completeOnTimeout(null, 2, TimeUnit.SECONDS);
            })
            .whenComplete((v, x) ->
            {
                control.close(channel);
                events.onExit(child, child.process.exitValue());
            });
        return child;
    }

    private CompletableFuture<Void> pump(Executor executor, InputStream in, PrintStream to)
    {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() ->
        {
            try (InputStreamReader reader = new InputStreamReader(in, StandardCharsets.UTF_8))
            {
                BoundedLineReader lines = new BoundedLineReader(reader, ProcessLogs.MAX_LINE_CHARS);
                for (String line = lines.readLine(); line != null; line = lines.readLine())
                {
                    remember(line);
                    String prefixed = "[" + name + "] " + line;
                    to.println(prefixed);
                    if (slotted)
                        logs.child(role, id, prefixed);
                }
            }
            catch (IOException ignored)
            {
                // the child is gone; its exit is reported by onExit
            }
            finally
            {
                done.complete(null);
            }
        });
        return done;
    }

    private synchronized void remember(String line)
    {
        if (tail.size() == TAIL_LINES)
            tail.removeFirst();
        tail.addLast(line);
    }

    /**
     * @return the last lines the child printed, oldest first
     */
    synchronized List<String> tail()
    {
        return new ArrayList<>(tail);
    }

    /**
     * Gives a standby its slot: it starts as that child now (its age counts from here).
     */
    void activate(Role role, int id)
    {
        this.role = role;
        this.id = id;
        this.name = role.id() + "#" + id + ":" + process.pid();
        this.slotted = true;
        this.startNanos = System.nanoTime();
        send(Control.start(role, id));
    }

    /**
     * Sends one command ({@link Control}) on the child's control channel, as soon as the child has connected; a
     * child that is gone is ignored (its exit is reported).
     */
    void send(String command)
    {
        channel.send(command);
    }

    /**
     * SIGTERM: the child's Jetty stops gracefully. Sent through the {@link ProcessHandle}: {@link Process#destroy()}
     * would also close our ends of the child's pipes, losing its last output and telling it that the master is gone.
     */
    void terminate()
    {
        process.toHandle().destroy();
    }

    /** SIGKILL, keeping the pipes open for the last output. */
    void kill()
    {
        process.toHandle().destroyForcibly();
    }

    /**
     * Signals the child's process group: the child and whatever it started (a webapp's subprocesses), once the
     * child itself is gone, what it left behind.
     *
     * @return whether a process got the signal (false also when the child has no group of its own)
     */
    boolean signalGroup(String signal)
    {
        return grouped && ProcessGroup.signal(process.pid(), signal);
    }

    int exitCode()
    {
        return process.exitValue();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    boolean waitFor(long ms) throws InterruptedException
    {
        return process.waitFor(ms, TimeUnit.MILLISECONDS);
    }

    Role role()
    {
        return role;
    }

    int id()
    {
        return id;
    }

    long pid()
    {
        return process.pid();
    }

    long ageMs()
    {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    /**
     * @return {@code role#id:pid}
     */
    @Override
    public String toString()
    {
        return name;
    }

    /**
     * @param exitCode an exit code as Java reports it (128 + n for a process ended by signal n)
     * @return {@code exit code 137 (SIGKILL)} or {@code exit code 1}
     */
    static String describeExit(int exitCode)
    {
        if (exitCode > 128 && exitCode < 128 + 32)
            return "exit code " + exitCode + " (" + signalName(exitCode - 128) + ")";
        return "exit code " + exitCode;
    }

    private static String signalName(int signal)
    {
        return switch (signal)
        {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 15 -> "SIGTERM";
            default -> "signal " + signal;
        };
    }
}
