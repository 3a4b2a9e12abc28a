package io.eggcluster.jetty.internal.master;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.admin.ProcessStatus;

/**
 * Makes the status's rows: what the master knows of a slot (its process, state, restarts, last exit, last heartbeat
 * and the figures the process reported with it), plus what {@code /proc} says (resident memory, CPU time, and the CPU
 * use since the previous row of the same process). Event loop only.
 */
final class StatusRows
{
    /** A CPU use figure from samples closer than this would be mostly noise: the previous figure is kept. */
    private static final long MIN_CPU_SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private record CpuSample(long ticks, long nanos, Double percent)
    {
    }

    /** What {@code /proc} says of a process; null when it cannot say. */
    private record Proc(Long rssBytes, Double cpuSeconds, Double cpuPercent)
    {
    }

    private final Map<Long, CpuSample> cpu = new HashMap<>();
    private final ToLongFunction<Slot> queueDepth;

    /** @param queueDepth the messages held for a slot, or -1 when not known */
    StatusRows(ToLongFunction<Slot> queueDepth)
    {
        this.queueDepth = queueDepth;
    }

    /** @return the master's own row */
    ProcessStatus master(String state, long uptimeMs)
    {
        long pid = ProcessHandle.current().pid();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Proc proc = proc(pid);
        return new ProcessStatus("master", 0, "master", pid, state, false, uptimeMs, 0, null, proc.rssBytes(),
            proc.cpuSeconds(), proc.cpuPercent(), heap, null, null, null, null, null, null);
    }

    /**
     * @param run the slot's process or its replacement; null when the slot has none
     * @param stopping the cluster is stopping
     */
    ProcessStatus of(Slot slot, Run run, boolean stopping)
    {
        String role = slot.role == Role.AGENT ? "agent" : "worker";
        Long depth = known(queueDepth.applyAsLong(slot));
        if (run == null)
            return new ProcessStatus(role, slot.id, slot.name(), null, slot.restartPending ? "restarting" :
                stopping ? "stopped" : "starting", false, null, slot.restarts, slot.lastExit, null, null, null, null,
                null, null, null, null, depth, null);
        String state = stopping ? "stopping" : run.failure != null ? "failing" : run.draining ? "draining" :
            run.ready ? "ready" : "starting";
        Control.Figures figures = run.figures;
        Long heartbeatAgo = run.ready && run.lastHeartbeatNanos != 0 ?
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - run.lastHeartbeatNanos) : null;
        Proc proc = proc(run.jvm.pid());
        return new ProcessStatus(role, slot.id, slot.name(), run.jvm.pid(), state, run == slot.next,
            run.jvm.ageMs(), slot.restarts, slot.lastExit, proc.rssBytes(), proc.cpuSeconds(), proc.cpuPercent(),
            known(figures.heapUsedBytes()), known(figures.requests()), known(figures.inFlight()),
            known(figures.messagesSent()), known(figures.messagesReceived()), run == slot.next ? null : depth,
            heartbeatAgo);
    }

    /** Forgets the CPU samples of processes no row showed since the last call. */
    void retainOnly(java.util.Set<Long> pids)
    {
        for (Iterator<Long> it = cpu.keySet().iterator(); it.hasNext(); )
        {
            if (!pids.contains(it.next()))
                it.remove();
        }
    }

    /** The process's {@code /proc} figures, its CPU use since its previous sample. */
    private Proc proc(long pid)
    {
        long rssKib = ProcStat.rssKib(pid);
        long ticks = ProcStat.cpuTicks(pid);
        long now = System.nanoTime();
        Double percent = null;
        if (ticks >= 0)
        {
            CpuSample last = cpu.get(pid);
            if (last == null)
                cpu.put(pid, new CpuSample(ticks, now, null));
            else if (now - last.nanos() < MIN_CPU_SAMPLE_NANOS)
                percent = last.percent();
            else
            {
                double seconds = (ticks - last.ticks()) / (double)ProcStat.TICKS_PER_SECOND;
                percent = Math.round(1000.0 * seconds / ((now - last.nanos()) / 1e9)) / 10.0;
                cpu.put(pid, new CpuSample(ticks, now, percent));
            }
        }
        return new Proc(rssKib < 0 ? null : rssKib * 1024, ticks < 0 ? null : ticks / (double)ProcStat.TICKS_PER_SECOND,
            percent);
    }

    private static Long known(long value)
    {
        return value < 0 ? null : value;
    }
}
