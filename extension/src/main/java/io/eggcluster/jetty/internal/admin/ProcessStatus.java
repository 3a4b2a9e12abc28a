package io.eggcluster.jetty.internal.admin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of the status: a process of the cluster (the master, the agent, a worker, or a worker's replacement while
 * it starts), as the master saw it when it published the status. A figure the master does not know (yet) is null:
 * a child's own figures arrive with its heartbeats, so a starting child has none.
 *
 * @param role {@code master}, {@code agent} or {@code worker}
 * @param workerId the worker's slot (1..N), 0 for the master and the agent
 * @param name {@code master}, {@code agent#0}, {@code worker#1}
 * @param pid the process, null when the slot has none (a restart waiting for its backoff)
 * @param state {@code starting}, {@code ready}, {@code draining}, {@code failing}, {@code restarting} (no process,
 *     a restart pending), {@code stopping}
 * @param replacement true for a worker's replacement that starts while the slot's process still serves
 * @param uptimeMs since the process was forked (the master: since it started)
 * @param restarts how many times the slot's process was restarted after dying
 * @param lastExit how the slot's last process ended (e.g. {@code exit code 137 (SIGKILL)}), null if none did
 * @param rssBytes resident memory, from /proc
 * @param cpuSeconds CPU time used (user + system), from /proc
 * @param cpuPercent CPU use since the previous sample, in percent of one core
 * @param heapUsedBytes the JVM's heap in use, as the child last reported it
 * @param requests requests the worker completed
 * @param inFlight requests the worker is serving now
 * @param messagesSent messenger messages the process sent
 * @param messagesReceived messenger messages delivered to the process's listeners
 * @param queueDepth messages held for the slot in the master's member, not yet taken
 * @param lastHeartbeatMsAgo milliseconds since the child's last heartbeat
 */
public record ProcessStatus(String role, int workerId, String name, Long pid, String state, boolean replacement,
    Long uptimeMs, int restarts, String lastExit, Long rssBytes, Double cpuSeconds, Double cpuPercent,
    Long heapUsedBytes, Long requests, Long inFlight, Long messagesSent, Long messagesReceived, Long queueDepth,
    Long lastHeartbeatMsAgo)
{
    /** @return this row as JSON-ready values, keys in the order of the record's components, nulls kept */
    public Map<String, Object> toJson()
    {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("role", role);
        json.put("workerId", workerId);
        json.put("name", name);
        json.put("pid", pid);
        json.put("state", state);
        json.put("replacement", replacement);
        json.put("uptimeMs", uptimeMs);
        json.put("restarts", restarts);
        json.put("lastExit", lastExit);
        json.put("rssBytes", rssBytes);
        json.put("cpuSeconds", cpuSeconds);
        json.put("cpuPercent", cpuPercent);
        json.put("heapUsedBytes", heapUsedBytes);
        json.put("requests", requests);
        json.put("inFlight", inFlight);
        json.put("messagesSent", messagesSent);
        json.put("messagesReceived", messagesReceived);
        json.put("queueDepth", queueDepth);
        json.put("lastHeartbeatMsAgo", lastHeartbeatMsAgo);
        return json;
    }
}
