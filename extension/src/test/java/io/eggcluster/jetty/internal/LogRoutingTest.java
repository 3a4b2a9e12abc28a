package io.eggcluster.jetty.internal;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogRoutingTest
{
    /** Jetty's line: timestamp, level, condensed logger name, thread, message. */
    private static final Pattern JETTY_LINE = Pattern.compile(
        "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}:(INFO|WARN|ERROR|DEBUG) :\\S+:[^:]+: .*");

    @Test
    void javaUtilLoggingAndHazelcastPrintInJettysFormat() throws Exception
    {
        // Hazelcast makes its shared logger factory once a JVM, from the system property: forget one an earlier test
        // in this JVM made, as if this JVM had just started
        for (String field : List.of("loggerFactory", "loggerFactoryClassOrType"))
        {
            java.lang.reflect.Field shared = com.hazelcast.logging.Logger.class.getDeclaredField(field);
            shared.setAccessible(true);
            shared.set(null, null);
        }
        LogRouting.install();
        LogRouting.install();
        assertEquals("slf4j", System.getProperty(LogRouting.HAZELCAST_LOGGING_TYPE));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger("test.jul.Sample");
            jul.log(Level.INFO, "sample: all workers ready: {0} of {1}", new Object[] {2, 2});
            jul.warning("a warning");
            jul.fine("not published: java.util.logging's level is INFO");
            // what Hazelcast's static loggers are made with now (the modular-access warning's logger among them)
            com.hazelcast.logging.Logger.getLogger("com.hazelcast.test.Routing").warning("from hazelcast");
        }
        finally
        {
            System.setErr(err);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), "one line each, the FINE one not at all: " + lines);
        lines.forEach(line -> assertTrue(JETTY_LINE.matcher(line).matches(), "not Jetty's format: " + line));
        assertTrue(lines.get(0).contains(":INFO :") && lines.get(0).endsWith("sample: all workers ready: 2 of 2"),
            lines.get(0));
        assertTrue(lines.get(1).contains(":WARN :") && lines.get(1).endsWith("a warning"), lines.get(1));
        assertTrue(lines.get(2).contains(":WARN :") && lines.get(2).endsWith("from hazelcast"), lines.get(2));
        long handlers = java.util.Arrays.stream(java.util.logging.LogManager.getLogManager().getLogger("").getHandlers())
            .filter(h -> h instanceof LogRouting.ToSlf4j).count();
        assertEquals(1, handlers, "installed once");
    }
}
