package io.eggcluster.jetty.internal.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The whole cluster in Prometheus' text exposition format 0.0.4 ({@code text/plain; version=0.0.4}), from one
 * {@link ClusterStatus}: what a worker's own registry cannot give, since each worker sees only itself.
 * <p>
 * Guarantees: every family has one {@code # HELP} and one {@code # TYPE} line before its samples; a process's series
 * carry {@code role} and {@code worker_id} ({@code "0"} for the master and the agent), plus
 * {@code replacement="true"} for a worker's replacement that starts while the slot's process still serves (so no two
 * series of a family have the same labels); a figure the master does not know (null, or not finite) gives no sample,
 * never {@code NaN}; label values are escaped ({@code \\}, {@code \"}, {@code \n}); units are base units (bytes,
 * seconds) and counters end in {@code _total}, as Prometheus' naming rules ask. Counters are the process's own: they
 * restart from zero with a new process in the slot, which Prometheus' {@code rate()} takes as a counter reset.
 */
public final class PrometheusMetrics
{
    /** The Content-Type of the text format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private PrometheusMetrics()
    {
    }

    private record Family(String name, String type, String help, Function<ProcessStatus, Number> value)
    {
    }

    private static final List<Family> PROCESS_FAMILIES = List.of(
        new Family("egg_process_resident_memory_bytes", "gauge", "Resident memory of the process (from /proc).",
            ProcessStatus::rssBytes),
        new Family("egg_process_cpu_seconds_total", "counter", "CPU time the process used, user and system.",
            ProcessStatus::cpuSeconds),
        new Family("egg_process_uptime_seconds", "gauge", "Seconds since the process was forked (the master: started).",
            p -> p.uptimeMs() == null ? null : p.uptimeMs() / 1000.0),
        new Family("egg_process_restarts_total", "counter",
            "Times the slot's process was restarted after dying (the slot's count, kept across its processes).",
            ProcessStatus::restarts),
        new Family("egg_jvm_heap_used_bytes", "gauge", "Heap in use in the process's JVM, as it last reported.",
            ProcessStatus::heapUsedBytes),
        new Family("egg_requests_total", "counter", "Requests the worker completed.", ProcessStatus::requests),
        new Family("egg_requests_in_flight", "gauge", "Requests the worker is serving now.", ProcessStatus::inFlight),
        new Family("egg_messages_sent_total", "counter", "Messenger messages the process sent.",
            ProcessStatus::messagesSent),
        new Family("egg_messages_received_total", "counter",
            "Messenger messages delivered to the process's listeners.", ProcessStatus::messagesReceived),
        new Family("egg_queue_depth", "gauge", "Messages held for the slot in the master's member, not taken yet.",
            ProcessStatus::queueDepth),
        new Family("egg_heartbeat_age_seconds", "gauge", "Seconds since the process's last heartbeat to the master.",
            p -> p.lastHeartbeatMsAgo() == null ? null : p.lastHeartbeatMsAgo() / 1000.0));

    /** @return the exposition of {@code status}, every line ending in {@code \n} */
    public static String render(ClusterStatus status)
    {
        StringBuilder out = new StringBuilder(4096);

        Map<String, String> info = new LinkedHashMap<>();
        info.put("state", status.state());
        Map<String, String> versions = status.versions() == null ? Map.of() : status.versions();
        info.put("version", versions.getOrDefault("eggCluster", ""));
        info.put("jetty_version", versions.getOrDefault("jetty", ""));
        info.put("hazelcast_version", versions.getOrDefault("hazelcast", ""));
        info.put("java_version", versions.getOrDefault("java", ""));
        header(out, "egg_cluster_info", "gauge", "The cluster's state and versions; always 1.");
        sample(out, "egg_cluster_info", info, 1);
        header(out, "egg_cluster_workers", "gauge", "Worker slots the cluster has now.");
        sample(out, "egg_cluster_workers", Map.of(), status.workers());
        header(out, "egg_cluster_uptime_seconds", "gauge", "Seconds since the master started.");
        sample(out, "egg_cluster_uptime_seconds", Map.of(), status.uptimeMs() / 1000.0);
        if (status.eggReadyMs() != null)
        {
            header(out, "egg_cluster_egg_ready_seconds", "gauge", "Seconds from the master's start to egg-ready.");
            sample(out, "egg_cluster_egg_ready_seconds", Map.of(), status.eggReadyMs() / 1000.0);
        }

        List<ProcessStatus> processes = status.processes() == null ? List.of() : status.processes();
        header(out, "egg_process_info", "gauge", "One per process of the cluster, with its pid (none while a restart waits); always 1.");
        for (ProcessStatus p : processes)
        {
            Map<String, String> labels = labels(p);
            if (p.pid() != null)
                labels.put("pid", String.valueOf(p.pid()));
            sample(out, "egg_process_info", labels, 1);
        }
        for (Family family : PROCESS_FAMILIES)
        {
            List<String> lines = new ArrayList<>();
            for (ProcessStatus p : processes)
            {
                String value = format(family.value().apply(p));
                if (value != null)
                    lines.add(family.name() + labelText(labels(p)) + " " + value + "\n");
            }
            if (lines.isEmpty())
                continue;
            header(out, family.name(), family.type(), family.help());
            lines.forEach(out::append);
        }
        return out.toString();
    }

    private static Map<String, String> labels(ProcessStatus p)
    {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("role", String.valueOf(p.role()));
        labels.put("worker_id", String.valueOf(p.workerId()));
        if (p.replacement())
            labels.put("replacement", "true");
        return labels;
    }

    private static void header(StringBuilder out, String name, String type, String help)
    {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, Map<String, String> labels, Number value)
    {
        String text = format(value);
        if (text != null)
            out.append(name).append(labelText(labels)).append(' ').append(text).append('\n');
    }

    private static String labelText(Map<String, String> labels)
    {
        if (labels.isEmpty())
            return "";
        StringBuilder text = new StringBuilder("{");
        labels.forEach((name, value) ->
        {
            if (text.length() > 1)
                text.append(',');
            text.append(name).append("=\"").append(escapeLabelValue(value)).append('"');
        });
        return text.append('}').toString();
    }

    /** @return the value as the text format writes it, or null for a null or non-finite value (no sample) */
    static String format(Number value)
    {
        if (value == null)
            return null;
        if (value instanceof Double || value instanceof Float)
        {
            double d = value.doubleValue();
            if (!Double.isFinite(d))
                return null;
            if (d == Math.rint(d) && Math.abs(d) < 1e15)
                return String.valueOf((long)d);
            return String.valueOf(d);
        }
        return String.valueOf(value.longValue());
    }

    /** Label values: backslash, double quote and line feed escaped, as the format requires. */
    static String escapeLabelValue(String value)
    {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** HELP text: backslash and line feed escaped. */
    static String escapeHelp(String help)
    {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
