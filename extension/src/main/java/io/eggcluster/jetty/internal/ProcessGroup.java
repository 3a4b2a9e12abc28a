package io.eggcluster.jetty.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Each child runs in a process group of its own (started through {@code setsid}, so its pid is its group id): a
 * signal to the master's group (Ctrl-C in a terminal, {@code kill -TERM -<pgid>}) reaches the master alone, which
 * then stops the workers before the agent; and whatever a webapp or an agent hook started stays in its child's
 * group, so it can be ended with it. Java has no call for either, so this uses {@code setsid} and {@code kill}
 * (util-linux and procps, on every Linux this runs on) and {@code /proc}.
 */
public final class ProcessGroup
{
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private ProcessGroup()
    {
    }

    /**
     * @return the words that start a command in a new session and process group of its own, or none where
     * {@code setsid} is missing
     */
    public static List<String> newGroupPrefix()
    {
        return Files.isExecutable(SETSID) ? List.of(SETSID.toString()) : List.of();
    }

    /**
     * @return whether {@code pid} leads its own process group (its group id is its pid), from {@code /proc}
     */
    public static boolean leads(long pid)
    {
        try
        {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so count from the last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]) == pid;
        }
        catch (IOException | RuntimeException e)
        {
            return false;
        }
    }

    /**
     * Sends {@code signal} (e.g. {@code TERM}, {@code KILL}) to every process of group {@code pgid}.
     *
     * @return whether any process got it (false when the group is empty)
     */
    public static boolean signal(long pgid, String signal)
    {
        if (pgid <= 1)
            throw new IllegalArgumentException("not a process group: " + pgid);
        try
        {
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + pgid)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS))
            {
                kill.destroyForcibly();
                return false;
            }
            return kill.exitValue() == 0;
        }
        catch (IOException e)
        {
            return false;
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Sends SIGKILL to group {@code pgid} after {@code delayMs}, from a shell started in that group, so that it
     * happens even when this JVM, which leads the group, has exited by then (the shell ends with the group).
     */
    public static void killLater(long pgid, long delayMs)
    {
        if (pgid <= 1)
            throw new IllegalArgumentException("not a process group: " + pgid);
        String seconds = String.format(java.util.Locale.ROOT, "%.3f", delayMs / 1000.0);
        try
        {
            new ProcessBuilder("sh", "-c", "sleep " + seconds + "; exec kill -s KILL -- -" + pgid)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        }
        catch (IOException e)
        {
            // no shell: the halt that follows still ends this JVM, not what it started
        }
    }

    /** @return whether group {@code pgid} has a process left */
    public static boolean alive(long pgid)
    {
        return signal(pgid, "0");
    }

    /**
     * Ends what is left of group {@code pgid} (its leader is gone): SIGTERM, then SIGKILL to whatever is still there
     * after {@code graceMs}.
     *
     * @return how many signals it took (0: the group was empty)
     */
    public static int end(long pgid, long graceMs) throws InterruptedException
    {
        if (!signal(pgid, "TERM"))
            return 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
        while (System.nanoTime() - deadline < 0)
        {
            if (!alive(pgid))
                return 1;
            Thread.sleep(50);
        }
        signal(pgid, "KILL");
        return 2;
    }
}
