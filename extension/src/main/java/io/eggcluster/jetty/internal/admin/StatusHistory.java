package io.eggcluster.jetty.internal.admin;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last minutes of the figures the dashboard charts: every {@code intervalMs} it takes the {@link StatusBoard}'s
 * current status and keeps, per process name ({@code worker#1}: one line per slot, across its processes), a sample of
 * requests/s and messages/s (sent + received) and the resident memory.
 * <p>
 * Guarantees: bounded: at most {@code windowMs / intervalMs + 1} samples per name, and a name is forgotten once it
 * has been absent from the status for a whole window (a slot scaled away); a status seen before (same
 * {@code timeMs}, the master published nothing new) adds no sample. A rate is computed between two samples of the
 * same pid only (a new process in the slot starts its counters from zero): the first sample of a pid, a counter that
 * went down, or a figure not known has a null rate, which the charts draw as a gap. A worker's replacement that starts
 * while the slot's process serves is tracked (so its first rate once it serves is right) but not drawn until it
 * serves. Thread-safe: sampled on its own timer thread, read by any.
 */
public class StatusHistory extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(StatusHistory.class);

    /** One point of a chart. */
    public record Sample(long timeMs, Long pid, Double requestsPerSecond, Double messagesPerSecond, Long rssBytes)
    {
    }

    private record Counters(long timeMs, Long requests, Long messages)
    {
    }

    private final StatusBoard board;
    private final long intervalMs;
    private final long windowMs;
    private final int capacity;
    private final Scheduler timer = new ScheduledExecutorScheduler("egg-admin-history", true);
    /** By process name, in the order first seen. */
    private final Map<String, ArrayDeque<Sample>> rings = new LinkedHashMap<>();
    private final Map<String, String> roles = new HashMap<>();
    private final Map<String, Integer> workerIds = new HashMap<>();
    /** The counters of each pid at its last sample, for its next rate; only the pids of the last status. */
    private Map<Long, Counters> lastCounters = new HashMap<>();
    private List<String> order = List.of();
    private long lastTimeMs = Long.MIN_VALUE;

    /**
     * @param board where the master publishes its status
     * @param intervalMs how often to sample (the dashboard's default: 2000)
     * @param windowMs how far back to keep (the dashboard's default: 300000, 5 minutes)
     */
    public StatusHistory(StatusBoard board, long intervalMs, long windowMs)
    {
        if (intervalMs <= 0 || windowMs < intervalMs)
            throw new IllegalArgumentException("interval " + intervalMs + " ms, window " + windowMs + " ms");
        this.board = board;
        this.intervalMs = intervalMs;
        this.windowMs = windowMs;
        this.capacity = (int)(windowMs / intervalMs) + 1;
        addBean(timer);
    }

    public long intervalMs()
    {
        return intervalMs;
    }

    public long windowMs()
    {
        return windowMs;
    }

    @Override
    protected void doStart() throws Exception
    {
        super.doStart();
        timer.schedule(this::tick, 0, TimeUnit.MILLISECONDS);
    }

    private void tick()
    {
        if (!isRunning())
            return;
        try
        {
            ClusterStatus status = board.current();
            if (status != null)
                sample(status);
        }
        catch (RuntimeException x)
        {
            LOG.warn("the dashboard's history could not sample the status", x);
        }
        try
        {
            timer.schedule(this::tick, intervalMs, TimeUnit.MILLISECONDS);
        }
        catch (RuntimeException stopping)
        {
            // the timer stopped meanwhile: no more samples
        }
    }

    /** Adds the samples of {@code status} (the timer calls it; tests call it directly). */
    public synchronized void sample(ClusterStatus status)
    {
        long now = status.timeMs();
        if (now == lastTimeMs)
            return;
        lastTimeMs = now;
        Map<Long, Counters> counters = new HashMap<>();
        List<String> seen = new ArrayList<>();
        for (ProcessStatus p : status.processes())
        {
            Long messages = p.messagesSent() == null || p.messagesReceived() == null ? null :
                p.messagesSent() + p.messagesReceived();
            Counters previous = p.pid() == null ? null : lastCounters.get(p.pid());
            Double requestsRate = previous == null ? null : rate(previous.requests(), p.requests(), now - previous.timeMs());
            Double messagesRate = previous == null ? null : rate(previous.messages(), messages, now - previous.timeMs());
            if (p.pid() != null)
                counters.put(p.pid(), new Counters(now, p.requests(), messages));
            if (p.replacement() || seen.contains(p.name()))
                continue;
            seen.add(p.name());
            roles.put(p.name(), p.role());
            workerIds.put(p.name(), p.workerId());
            ArrayDeque<Sample> ring = rings.computeIfAbsent(p.name(), n -> new ArrayDeque<>(capacity));
            if (ring.size() == capacity)
                ring.removeFirst();
            ring.addLast(new Sample(now, p.pid(), requestsRate, messagesRate, p.rssBytes()));
        }
        lastCounters = counters;
        order = seen;
        for (Iterator<Map.Entry<String, ArrayDeque<Sample>>> i = rings.entrySet().iterator(); i.hasNext(); )
        {
            Map.Entry<String, ArrayDeque<Sample>> ring = i.next();
            while (!ring.getValue().isEmpty() && ring.getValue().getFirst().timeMs() <= now - windowMs)
                ring.getValue().removeFirst();
            if (ring.getValue().isEmpty())
            {
                i.remove();
                roles.remove(ring.getKey());
                workerIds.remove(ring.getKey());
            }
        }
    }

    private static Double rate(Long before, Long now, long elapsedMs)
    {
        if (before == null || now == null || elapsedMs <= 0 || now < before)
            return null;
        return (now - before) * 1000.0 / elapsedMs;
    }

    /** @return the samples kept for {@code name}, oldest first */
    public synchronized List<Sample> samples(String name)
    {
        ArrayDeque<Sample> ring = rings.get(name);
        return ring == null ? List.of() : List.copyOf(ring);
    }

    /**
     * @return JSON-ready: {@code {"intervalMs", "windowMs", "timeMs", "processes": [{"name", "role", "workerId",
     *     "timeMs": [...], "pid": [...], "requestsPerSecond": [...], "messagesPerSecond": [...], "rssBytes": [...]}]}},
     *     the processes of the last status first, in its order, then the names gone from it
     */
    public synchronized Map<String, Object> toJson()
    {
        List<String> names = new ArrayList<>(order);
        rings.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
        List<Object> processes = new ArrayList<>();
        for (String name : names)
        {
            ArrayDeque<Sample> ring = rings.get(name);
            if (ring == null)
                continue;
            List<Object> times = new ArrayList<>();
            List<Object> pids = new ArrayList<>();
            List<Object> requests = new ArrayList<>();
            List<Object> messages = new ArrayList<>();
            List<Object> rss = new ArrayList<>();
            for (Sample s : ring)
            {
                times.add(s.timeMs());
                pids.add(s.pid());
                requests.add(s.requestsPerSecond());
                messages.add(s.messagesPerSecond());
                rss.add(s.rssBytes());
            }
            Map<String, Object> process = new LinkedHashMap<>();
            process.put("name", name);
            process.put("role", roles.get(name));
            process.put("workerId", workerIds.get(name));
            process.put("timeMs", times);
            process.put("pid", pids);
            process.put("requestsPerSecond", requests);
            process.put("messagesPerSecond", messages);
            process.put("rssBytes", rss);
            processes.add(process);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("intervalMs", intervalMs);
        json.put("windowMs", windowMs);
        json.put("timeMs", lastTimeMs == Long.MIN_VALUE ? null : lastTimeMs);
        json.put("processes", processes);
        return json;
    }
}
