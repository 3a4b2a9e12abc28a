package io.eggcluster.jetty.internal.admin;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.Container;

/**
 * The status's figures as MBeans, for JConsole, VisualVM and Prometheus' JMX exporter: this bean
 * ({@code io.eggcluster.jetty:type=cluster}) and one {@link ProcessFigures} a process
 * ({@code io.eggcluster.jetty:type=process,name=master|agent-0|worker-N}, a worker's replacement while it starts
 * {@code name=worker-N-replacement}), all beans of the {@link StatusBoard}. Jetty's {@code MBeanContainer} (the
 * {@code jmx} module) registers a bean when it is added and unregisters it when it is removed, as for any bean of the
 * server's tree (the board must be a managed bean in it, as the master's beans are); without that module they are
 * plain objects.
 *
 * <p>A listener on the board (wired by {@link #attachTo}): at each publication every process bean takes its row of
 * the status; a process that appeared gets a bean, one that is no longer listed (a removed worker, a replacement that
 * took its slot) loses it. Runs on the publishing thread; the beans are read on any thread.</p>
 */
@ManagedObject("The egg cluster: its state and the figures of every process (type=process beans)")
public final class ClusterFigures implements Consumer<ClusterStatus>
{
    private final Container board;
    private final Map<String, ProcessFigures> processes = new LinkedHashMap<>();
    private volatile ClusterStatus status;

    private ClusterFigures(Container board)
    {
        this.board = board;
    }

    /**
     * Adds the figures to {@code board} as a bean (so they are in the server's tree when the board is) and as a
     * listener.
     *
     * @return the figures
     */
    public static ClusterFigures attachTo(StatusBoard board)
    {
        ClusterFigures figures = new ClusterFigures(board);
        board.addBean(figures);
        ClusterStatus now = board.current();
        if (now != null)
            figures.accept(now);
        board.addListener(figures);
        return figures;
    }

    /**
     * @return the name in a process bean's ObjectName: {@code worker-1}, {@code worker-1-replacement}; any character
     * but letters, digits, '.', '_' and '-' becomes '-', so the name never needs quoting
     */
    static String keyOf(ProcessStatus process)
    {
        return process.name().replaceAll("[^A-Za-z0-9._-]", "-") + (process.replacement() ? "-replacement" : "");
    }

    @Override
    public synchronized void accept(ClusterStatus cluster)
    {
        status = cluster;
        Set<String> listed = new HashSet<>();
        for (ProcessStatus row : cluster.processes())
        {
            String key = keyOf(row);
            if (!listed.add(key))
                continue;
            ProcessFigures bean = processes.get(key);
            if (bean != null)
                bean.update(row);
            else
            {
                bean = new ProcessFigures(key, row);
                processes.put(key, bean);
                board.addBean(bean);
            }
        }
        processes.entrySet().removeIf(entry ->
        {
            if (listed.contains(entry.getKey()))
                return false;
            board.removeBean(entry.getValue());
            return true;
        });
    }

    /** @return the process beans now, by key, in the status's order of first appearance */
    public synchronized Map<String, ProcessFigures> processes()
    {
        return new LinkedHashMap<>(processes);
    }

    @ManagedAttribute("starting, ready, reloading (a reload, a scaling or a recycling under way), stopping")
    public String getState()
    {
        ClusterStatus now = status;
        return now == null ? "starting" : now.state();
    }

    @ManagedAttribute("The change under way, in words; null if none")
    public String getChange()
    {
        ClusterStatus now = status;
        return now == null ? null : now.change();
    }

    @ManagedAttribute("The number of worker slots")
    public int getWorkers()
    {
        ClusterStatus now = status;
        return now == null ? 0 : now.workers();
    }

    @ManagedAttribute("Milliseconds from the master's start to egg-ready; null before")
    public Long getEggReadyMs()
    {
        ClusterStatus now = status;
        return now == null ? null : now.eggReadyMs();
    }

    @ManagedAttribute("Milliseconds since the master started, at the latest status")
    public long getUptimeMs()
    {
        ClusterStatus now = status;
        return now == null ? 0 : now.uptimeMs();
    }

    @ManagedAttribute("The master's pid")
    public long getMasterPid()
    {
        ClusterStatus now = status;
        return now == null ? ProcessHandle.current().pid() : now.masterPid();
    }

    @ManagedAttribute("What the workers serve")
    public String getUrl()
    {
        ClusterStatus now = status;
        return now == null ? null : now.url();
    }

    @ManagedAttribute("When the master published the latest status (epoch milliseconds)")
    public long getTimeMs()
    {
        ClusterStatus now = status;
        return now == null ? 0 : now.timeMs();
    }

    @Override
    public String toString()
    {
        return "ClusterFigures[" + getState() + ", " + processes().size() + " processes]";
    }
}
