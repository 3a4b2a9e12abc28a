package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux's {@code /proc} says about a child: its resident memory and its scheduling state. Where there is no
 * {@code /proc} (or the process is gone), the answers say "unknown".
 */
final class ProcStat
{
    private ProcStat()
    {
    }

    /**
     * @return the process's resident set size in KiB ({@code VmRSS} of {@code /proc/PID/status}), or -1 if unknown
     */
    static long rssKib(long pid)
    {
        try
        {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")))
            {
                if (line.startsWith("VmRSS:"))
                    return Long.parseLong(line.substring(6).replace("kB", "").trim());
            }
        }
        catch (IOException | RuntimeException e)
        {
            // gone, or no /proc
        }
        return -1;
    }

    /**
     * @return the process's state letter from {@code /proc/PID/stat} ({@code R}, {@code S}, {@code D}, {@code T} for
     * stopped by a signal, {@code Z}...), or {@code '?'} if unknown
     */
    static char state(long pid)
    {
        try
        {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // the command name, in parentheses, may hold spaces and parentheses: the state follows the last ')'
            int end = stat.lastIndexOf(')');
            return end > 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
        }
        catch (IOException | RuntimeException e)
        {
            return '?';
        }
    }

    /**
     * @return the CPU time the process used, user and system, in clock ticks ({@code utime + stime} of
     * {@code /proc/PID/stat}, fields 14 and 15; Linux's ticks are 1/100 s), or -1 if unknown
     */
    static long cpuTicks(long pid)
    {
        try
        {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            // after the command name's last ')': field 3 (state) is the first word, so utime (14) is the 12th
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (IOException | RuntimeException e)
        {
            return -1;
        }
    }

    /** Linux's USER_HZ: the clock ticks {@link #cpuTicks} counts per second. */
    static final int TICKS_PER_SECOND = 100;
}
