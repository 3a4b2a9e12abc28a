package io.eggcluster.jetty.internal.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process, identified by its pid <em>and</em> its start time, as the command line watches the master it started
 * or asked to stop: it is gone once {@code /proc/PID} is gone, is a zombie (an exited process that its parent has not
 * reaped: a daemon's parent is often an init that never reaps), or belongs to a later process that reused the pid.
 * Where there is no {@code /proc}, {@link ProcessHandle} answers (which counts a zombie as alive).
 */
final class WatchedProcess
{
    private final long pid;
    /** Field 22 of {@code /proc/PID/stat} when first seen, null without /proc or when it was already gone. */
    private final String startTime;
    private final Optional<ProcessHandle> handle;

    private WatchedProcess(long pid, String startTime, Optional<ProcessHandle> handle)
    {
        this.pid = pid;
        this.startTime = startTime;
        this.handle = handle;
    }

    /** Starts watching {@code pid}: what runs under it now is the process watched. */
    static WatchedProcess of(long pid)
    {
        return new WatchedProcess(pid, stat(pid).map(s -> field(s, 22)).orElse(null), ProcessHandle.of(pid));
    }

    long pid()
    {
        return pid;
    }

    /** @return true while the process watched runs (or is stopped by a signal): not exited, not a zombie */
    boolean alive()
    {
        if (Files.isDirectory(Path.of("/proc/self")))
        {
            Optional<String> stat = stat(pid);
            if (stat.isEmpty() || startTime == null)
                return false;
            String state = field(stat.get(), 3);
            return !"Z".equals(state) && !"X".equals(state) && startTime.equals(field(stat.get(), 22));
        }
        return handle.map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * SIGTERM to the process watched, only if it is still the one first seen ({@link ProcessHandle#destroy()} checks
     * the start time too).
     *
     * @return true if the signal was sent
     */
    boolean terminate()
    {
        return alive() && handle.map(ProcessHandle::destroy).orElse(false);
    }

    private static Optional<String> stat(long pid)
    {
        try
        {
            return Optional.of(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")));
        }
        catch (IOException | RuntimeException e)
        {
            return Optional.empty();
        }
    }

    /**
     * @param n the field's number in proc(5) (1 = pid, 2 = comm, 3 = state, 22 = starttime)
     * @return it, or null; the command name, in parentheses, may hold spaces: fields 3 on follow the last ')'
     */
    static String field(String stat, int n)
    {
        int end = stat.lastIndexOf(')');
        if (end < 0 || n < 3)
            return null;
        String[] rest = stat.substring(end + 1).trim().split("\\s+");
        return n - 3 < rest.length ? rest[n - 3] : null;
    }
}
