package io.eggcluster.jetty.internal.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster as the master saw it at {@code timeMs}: what {@code bin/egg-cluster status}, the control socket's
 * {@code status}, the dashboard, {@code /metrics}, the MBeans and systemd's {@code STATUS=} show.
 *
 * @param state {@code starting}, {@code ready}, {@code reloading} (a rolling reload, a scaling or a recycling under
 *     way), {@code stopping}
 * @param change the change under way, in words, or null
 * @param masterPid the master's pid
 * @param uptimeMs since the master started
 * @param eggReadyMs from the master's start to egg-ready, null before
 * @param workers the number of worker slots now
 * @param url what the workers serve
 * @param base the jetty base
 * @param versions {@code eggCluster}, {@code jetty}, {@code hazelcast}, {@code java}
 * @param processes the master first, then the agent, then the workers by slot (a replacement after its slot's process)
 * @param timeMs when the master published it (epoch milliseconds)
 */
public record ClusterStatus(String state, String change, long masterPid, long uptimeMs, Long eggReadyMs, int workers,
    String url, String base, Map<String, String> versions, List<ProcessStatus> processes, long timeMs)
{
    /** @return the status as JSON-ready values: {@code {"cluster": {...}, "processes": [...], "timeMs": ...}} */
    public Map<String, Object> toJson()
    {
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("state", state);
        cluster.put("change", change);
        cluster.put("pid", masterPid);
        cluster.put("uptimeMs", uptimeMs);
        cluster.put("eggReadyMs", eggReadyMs);
        cluster.put("workers", workers);
        cluster.put("url", url);
        cluster.put("base", base);
        cluster.put("versions", new LinkedHashMap<>(versions));
        List<Object> rows = new ArrayList<>();
        processes.forEach(p -> rows.add(p.toJson()));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cluster", cluster);
        json.put("processes", rows);
        json.put("timeMs", timeMs);
        return json;
    }
}
