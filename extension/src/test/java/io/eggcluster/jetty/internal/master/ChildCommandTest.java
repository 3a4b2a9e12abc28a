package io.eggcluster.jetty.internal.master;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.eggcluster.jetty.api.Role;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChildCommandTest
{
    @Test
    void keepsJvmOptionsAndRunArgumentsDropsBaseEditsAndOwnProperties()
    {
        ChildCommand command = ChildCommand.of("/jdk/bin/java",
            List.of("-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-jar", "../jetty-home/start.jar",
                "--add-modules=http", "jetty.egg.workers=2", "jetty.http.port=8080", "--module=graceful",
                "jetty.egg.role=worker", "jetty.base=/old", "--dry-run"),
            List.of("-Xss1m"));
        Map<String, String> props = new LinkedHashMap<>();
        props.put("jetty.base", "/base");
        props.put("jetty.http.reusePort", "true");

        List<String> expected = new ArrayList<>(List.of("/jdk/bin/java", "-Xmx256m", "--add-opens",
            "java.base/java.lang=ALL-UNNAMED"));
        ChildCommand.HAZELCAST_OPTIONS.stream().filter(o -> !o.get(1).equals("java.base/java.lang=ALL-UNNAMED"))
            .forEach(expected::addAll);
        expected.addAll(List.of("-Xss1m", "-jar", "../jetty-home/start.jar", "jetty.egg.workers=2", "jetty.http.port=8080",
            "--module=graceful", "jetty.base=/base", "jetty.http.reusePort=true", "jetty.egg.role=worker",
            "jetty.egg.workerId=2"));
        assertEquals(expected, command.command(Role.WORKER, 2, props), "the master's option is not repeated");
    }

    @Test
    void acceptsStartMainOnTheClassPath()
    {
        ChildCommand command = ChildCommand.of("java", List.of("-cp", "start.jar", "org.eclipse.jetty.start.Main", "a=b"),
            List.of());
        List<String> line = command.command(Role.AGENT, 0, Map.of());
        assertEquals(List.of("java", "-cp", "start.jar"), line.subList(0, 3));
        assertEquals(List.of("org.eclipse.jetty.start.Main", "a=b", "jetty.egg.role=agent", "jetty.egg.workerId=0"),
            line.subList(line.size() - 4, line.size()));
    }

    @Test
    void refusesAJvmNotStartedByStartJarAndSaysWhy()
    {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChildCommand.of("java",
            List.of("-cp", "lib/*", "org.eclipse.jetty.xml.XmlConfiguration", "/tmp/start.properties"), List.of()));
        assertTrue(e.getMessage().contains("java -jar start.jar"), e.getMessage());
        assertTrue(e.getMessage().contains("org.eclipse.jetty.xml.XmlConfiguration"), e.getMessage());
    }
}
