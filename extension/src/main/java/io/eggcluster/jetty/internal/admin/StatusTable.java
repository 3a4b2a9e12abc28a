package io.eggcluster.jetty.internal.admin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * The text of {@code bin/egg-cluster status}: the cluster's lines and a table of its processes, from the control
 * socket's status JSON ({@link ClusterStatus#toJson()}, parsed). A figure that is missing or null is shown as
 * {@code -}; a field of an unexpected type is shown as {@code ?}, never an exception: an older or newer master still
 * gets a table.
 */
final class StatusTable
{
    private static final String NONE = "-";

    /** One column: its header, whether numbers are right-aligned, and how a process row gives its cell. */
    private record Column(String header, boolean right, Function<Map<?, ?>, String> cell)
    {
    }

    private static final List<Column> COLUMNS = List.of(
        new Column("ROLE", false, p -> text(p.get("role"))),
        new Column("ID", true, p -> text(p.get("workerId"))),
        new Column("PID", true, p -> text(p.get("pid"))),
        new Column("STATE", false, p -> Boolean.TRUE.equals(p.get("replacement"))
            ? text(p.get("state")) + " (replacement)" : text(p.get("state"))),
        new Column("UPTIME", true, p -> duration(p.get("uptimeMs"))),
        new Column("RESTARTS", true, p -> text(p.get("restarts"))),
        new Column("RSS", true, p -> bytes(p.get("rssBytes"))),
        new Column("CPU%", true, p -> decimal(p.get("cpuPercent"))),
        new Column("HEAP", true, p -> bytes(p.get("heapUsedBytes"))),
        new Column("REQUESTS", true, p -> text(p.get("requests"))),
        new Column("IN-FLIGHT", true, p -> text(p.get("inFlight"))),
        new Column("MSGS-SENT", true, p -> text(p.get("messagesSent"))),
        new Column("MSGS-RECV", true, p -> text(p.get("messagesReceived"))),
        new Column("QUEUE", true, p -> text(p.get("queueDepth"))),
        new Column("HEARTBEAT", true, p -> duration(p.get("lastHeartbeatMsAgo"))),
        new Column("LAST-EXIT", false, p -> text(p.get("lastExit"))));

    private StatusTable()
    {
    }

    /**
     * @param status the {@code status} of the socket's answer: {@code {"cluster": {...}, "processes": [...]}}
     * @return the lines to print, each ending in a newline
     */
    static String format(Map<?, ?> status)
    {
        StringBuilder text = new StringBuilder();
        Map<?, ?> cluster = status.get("cluster") instanceof Map<?, ?> map ? map : Map.of();
        text.append("egg-cluster ").append(text(cluster.get("state")))
            .append(", up ").append(duration(cluster.get("uptimeMs")))
            .append(", egg-ready ").append(cluster.get("eggReadyMs") == null ? "not yet"
                : "in " + duration(cluster.get("eggReadyMs")) + " (" + text(cluster.get("eggReadyMs")) + " ms)")
            .append(", ").append(text(cluster.get("workers"))).append(" worker(s)")
            .append(", serving ").append(text(cluster.get("url"))).append('\n');
        text.append("master pid ").append(text(cluster.get("pid"))).append(", base ").append(text(cluster.get("base")));
        if (cluster.get("versions") instanceof Map<?, ?> versions && !versions.isEmpty())
        {
            StringJoiner joined = new StringJoiner(", ", "; ", "");
            versions.forEach((name, version) -> joined.add(name + " " + text(version)));
            text.append(joined);
        }
        text.append('\n');
        if (cluster.get("change") != null)
            text.append("change under way: ").append(text(cluster.get("change"))).append('\n');
        text.append('\n');
        text.append(table(processes(status.get("processes"))));
        return text.toString();
    }

    /** @return the rows of the table (the processes), whatever container the JSON parser gave */
    private static List<Map<?, ?>> processes(Object value)
    {
        List<?> items = value instanceof Object[] array ? Arrays.asList(array)
            : value instanceof List<?> list ? list : List.of();
        List<Map<?, ?>> rows = new ArrayList<>();
        for (Object item : items)
        {
            if (item instanceof Map<?, ?> map)
                rows.add(map);
        }
        return rows;
    }

    private static String table(List<Map<?, ?>> processes)
    {
        List<String[]> cells = new ArrayList<>();
        cells.add(COLUMNS.stream().map(Column::header).toArray(String[]::new));
        for (Map<?, ?> process : processes)
            cells.add(COLUMNS.stream().map(c -> c.cell().apply(process)).toArray(String[]::new));
        int[] widths = new int[COLUMNS.size()];
        for (String[] row : cells)
        {
            for (int i = 0; i < row.length; i++)
                widths[i] = Math.max(widths[i], row[i].length());
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : cells)
        {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++)
            {
                if (i > 0)
                    line.append("  ");
                String pad = " ".repeat(widths[i] - row[i].length());
                line.append(COLUMNS.get(i).right() ? pad + row[i] : row[i] + pad);
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        return text.toString();
    }

    static String text(Object value)
    {
        if (value == null)
            return NONE;
        if (value instanceof Double || value instanceof Float)
        {
            double d = ((Number)value).doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long)d) : String.valueOf(d);
        }
        return String.valueOf(value);
    }

    /** @return {@code 0.4s}, {@code 9.9s}, {@code 12s}, {@code 5m 12s}, {@code 3h 05m}, {@code 2d 03h} */
    static String duration(Object millis)
    {
        if (millis == null)
            return NONE;
        if (!(millis instanceof Number number))
            return "?";
        long ms = number.longValue();
        if (ms < 0)
            return "?";
        if (ms < 10_000)
            return String.format(Locale.ROOT, "%.1fs", Math.floor(ms / 100.0) / 10);
        long s = ms / 1000;
        if (s < 60)
            return s + "s";
        if (s < 3600)
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        if (s < 86400)
            return String.format(Locale.ROOT, "%dh %02dm", s / 3600, s % 3600 / 60);
        return String.format(Locale.ROOT, "%dd %02dh", s / 86400, s % 86400 / 3600);
    }

    /** @return binary units: {@code 512K}, {@code 212.3M}, {@code 1.25G} */
    static String bytes(Object value)
    {
        if (value == null)
            return NONE;
        if (!(value instanceof Number number))
            return "?";
        double b = number.doubleValue();
        if (b < 1024 * 1024)
            return String.format(Locale.ROOT, "%.0fK", b / 1024);
        if (b < 1024.0 * 1024 * 1024)
            return String.format(Locale.ROOT, "%.1fM", b / (1024 * 1024));
        return String.format(Locale.ROOT, "%.2fG", b / (1024.0 * 1024 * 1024));
    }

    private static String decimal(Object value)
    {
        if (value == null)
            return NONE;
        if (!(value instanceof Number number))
            return "?";
        return String.format(Locale.ROOT, "%.1f", number.doubleValue());
    }
}
