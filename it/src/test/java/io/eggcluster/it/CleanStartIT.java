package io.eggcluster.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A clean start of the sample base, as the README starts it: every line the master prints, its own and its
 * children's, up to egg-ready and the sample agent's "all workers ready" line, is in Jetty's format (timestamp, level,
 * logger, thread; a child's line behind its {@code [role#id:pid]} prefix), and none is a warning. Before the fix,
 * Hazelcast's "modular environment" WARNING came in java.util.logging's two-line format, and so did the sample agent's
 * own java.util.logging line.
 */
class CleanStartIT
{
    /** Jetty's line, after a child's prefix if any: {@code 2026-12-01 09:16:46.427:INFO :oejs.Server:main: ...}. */
    static final Pattern JETTY_LINE = Pattern.compile("^(\\[(agent|worker)#\\d+:\\d+] |\\[standby:\\d+] )?" +
        "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}:(INFO |WARN |ERROR|DEBUG|TRACE):\\S+:[^:]+: .*");
    private static final Pattern WARNING = Pattern.compile("WARN|WARNING|SEVERE");
    private static final Pattern ALL_WORKERS_READY = Pattern.compile("\\[agent#0:\\d+] .*sample: all workers ready");

    @Test
    void aCleanStartPrintsNoWarningAndOneFormat() throws Exception
    {
        try (Cluster cluster = Cluster.start("clean-start", "jetty.egg.workers=2"))
        {
            cluster.awaitEggReady();
            int upTo = cluster.awaitLineIndex(ALL_WORKERS_READY, Duration.ofSeconds(30));
            List<String> lines = cluster.lines(0, upTo + 1);
            List<String> offending = new ArrayList<>();
            for (String line : lines)
            {
                if (!JETTY_LINE.matcher(line).matches() || WARNING.matcher(line).find())
                    offending.add(line);
            }
            assertTrue(offending.isEmpty(), offending.size() + " of the " + lines.size() + " lines up to egg-ready and " +
                "the agent's all-workers-ready line are not Jetty's format or warn:\n" + String.join("\n", offending));
            assertTrue(lines.size() > 30, "the whole start was read: " + lines.size() + " lines");
        }
    }
}
