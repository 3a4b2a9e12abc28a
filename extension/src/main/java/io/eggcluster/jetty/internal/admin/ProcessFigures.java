package io.eggcluster.jetty.internal.admin;

import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;

/**
 * One process's figures as an MBean ({@code io.eggcluster.jetty:type=process,name=worker-1}, see
 * {@code jmx.ProcessFiguresMBean}): each attribute is read from the process's row of the latest {@link ClusterStatus}
 * (published at each change and every second), replaced whole at each publication. A figure the master does not know
 * (yet) reads as null. Kept current by {@link ClusterFigures}.
 */
@ManagedObject("An egg-cluster process (the master, the agent, a worker): its latest figures from the master")
public final class ProcessFigures
{
    private final String key;
    private volatile ProcessStatus row;

    ProcessFigures(String key, ProcessStatus row)
    {
        this.key = key;
        this.row = row;
    }

    void update(ProcessStatus row)
    {
        this.row = row;
    }

    /** @return the name in the bean's ObjectName ({@code worker-1}, see {@link ClusterFigures#keyOf}) */
    public String getKey()
    {
        return key;
    }

    @ManagedAttribute("master, agent#0, worker#N")
    public String getName()
    {
        return row.name();
    }

    @ManagedAttribute("master, agent or worker")
    public String getRole()
    {
        return row.role();
    }

    @ManagedAttribute("The worker's slot (1..N); 0 for the master and the agent")
    public int getWorkerId()
    {
        return row.workerId();
    }

    @ManagedAttribute("True for a worker's replacement starting while the slot's process still serves")
    public boolean isReplacement()
    {
        return row.replacement();
    }

    @ManagedAttribute("The process id; null while the slot waits to restart")
    public Long getPid()
    {
        return row.pid();
    }

    @ManagedAttribute("starting, ready, draining, failing, restarting, stopping")
    public String getState()
    {
        return row.state();
    }

    @ManagedAttribute("Milliseconds since the process was forked (the master: since it started)")
    public Long getUptimeMs()
    {
        return row.uptimeMs();
    }

    @ManagedAttribute("Restarts of this slot's process after it died")
    public int getRestarts()
    {
        return row.restarts();
    }

    @ManagedAttribute("How the slot's last process ended, e.g. exit code 137 (SIGKILL); null if none did")
    public String getLastExit()
    {
        return row.lastExit();
    }

    @ManagedAttribute("Resident memory in bytes (/proc)")
    public Long getRssBytes()
    {
        return row.rssBytes();
    }

    @ManagedAttribute("CPU time used, user + system, in seconds (/proc)")
    public Double getCpuSeconds()
    {
        return row.cpuSeconds();
    }

    @ManagedAttribute("CPU use since the previous sample, in percent of one core")
    public Double getCpuPercent()
    {
        return row.cpuPercent();
    }

    @ManagedAttribute("JVM heap in use, in bytes, as the process last reported it")
    public Long getHeapUsedBytes()
    {
        return row.heapUsedBytes();
    }

    @ManagedAttribute("Requests the worker completed")
    public Long getRequests()
    {
        return row.requests();
    }

    @ManagedAttribute("Requests the worker is serving now")
    public Long getInFlight()
    {
        return row.inFlight();
    }

    @ManagedAttribute("Messenger messages the process sent")
    public Long getMessagesSent()
    {
        return row.messagesSent();
    }

    @ManagedAttribute("Messenger messages delivered to the process's listeners")
    public Long getMessagesReceived()
    {
        return row.messagesReceived();
    }

    @ManagedAttribute("Messages held for the slot in the master, not yet taken")
    public Long getQueueDepth()
    {
        return row.queueDepth();
    }

    @ManagedAttribute("Milliseconds since the process's last heartbeat")
    public Long getLastHeartbeatMsAgo()
    {
        return row.lastHeartbeatMsAgo();
    }

    @Override
    public String toString()
    {
        ProcessStatus now = row;
        return "ProcessFigures[" + now.name() + (now.pid() == null ? "" : ":" + now.pid()) + " " + now.state() + "]";
    }
}
