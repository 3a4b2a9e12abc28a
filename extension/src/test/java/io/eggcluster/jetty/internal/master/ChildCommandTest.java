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
    private static final java.nio.file.Path PROPS = java.nio.file.Path.of("/b/p.properties");

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
        assertEquals(expected, command.command(Role.WORKER, 2, props, List.of()), "the master's option is not repeated");
    }

    @Test
    void acceptsStartMainOnTheClassPath()
    {
        ChildCommand command = ChildCommand.of("java", List.of("-cp", "start.jar", "org.eclipse.jetty.start.Main", "a=b"),
            List.of());
        List<String> line = command.command(Role.AGENT, 0, Map.of(), List.of("-XX:TieredStopAtLevel=1"));
        assertEquals(List.of("-XX:TieredStopAtLevel=1", "-cp", "start.jar", "org.eclipse.jetty.start.Main", "a=b",
            "jetty.egg.role=agent", "jetty.egg.workerId=0"), line.subList(line.size() - 7, line.size()),
            "the role's own options come after the others, before start.jar");
        assertEquals(List.of("java", "-cp", "start.jar", "org.eclipse.jetty.start.Main", "--dry-run",
            "--exec-properties=/b/p.properties", "a=b"), command.dryRunCommand(Map.of(), PROPS));
    }

    @Test
    void childrenRunWhatStartJarDryRunPrintedWithTheirOwnRoleAndSlot()
    {
        ChildCommand command = ChildCommand.of("/jdk/bin/java", List.of("-Xmx256m", "-jar", "start.jar", "a=b"),
            List.of("-Xss1m"));
        assertEquals(List.of("/jdk/bin/java", "-jar", "start.jar", "--dry-run", "--exec-properties=/b/p.properties",
            "a=b", "jetty.http.port=8080"), command.dryRunCommand(Map.of("jetty.http.port", "8080"), PROPS));
        String printed = "WARN: something start.jar said\n" +
            "/usr/lib/jvm/bin/java -Djava.io.tmpdir=/tmp '-Djetty.base=/my base' --class-path /a.jar:/b.jar \\\n" +
            "  org.eclipse.jetty.xml.XmlConfiguration /b/p.properties /home/etc/jetty.xml --env ee10 -cp /ee10.jar\n";
        List<String> worker = command.fromDryRun(printed, PROPS, true).command(Role.WORKER, 2);
        List<String> expected = new ArrayList<>(List.of("/jdk/bin/java", "-Xmx256m"));
        ChildCommand.HAZELCAST_OPTIONS.forEach(expected::addAll);
        expected.addAll(List.of("-Xss1m", "-Djava.io.tmpdir=/tmp", "-Djetty.base=/my base", "--class-path",
            "/a.jar:/b.jar", "org.eclipse.jetty.xml.XmlConfiguration", "jetty.egg.role=worker", "jetty.egg.workerId=2",
            "/b/p.properties", "/home/etc/jetty.xml", "--env", "ee10", "-cp", "/ee10.jar"));
        assertEquals(expected, worker);
        List<String> agent = command.fromDryRun(printed, PROPS, true).command(Role.AGENT, 0,
            List.of("-XX:TieredStopAtLevel=1"));
        assertTrue(agent.contains("jetty.egg.role=agent") && agent.contains("jetty.egg.workerId=0"), agent.toString());
        assertEquals(agent.indexOf("-Xss1m") + 1, agent.indexOf("-XX:TieredStopAtLevel=1"),
            "the role's own options come right after jetty.egg.jvmArgs: " + agent);
    }

    @Test
    void directoriesGoAfterTheJarsAndTheFingerprintFollowsTheJars(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception
    {
        java.nio.file.Path resources = java.nio.file.Files.createDirectory(dir.resolve("resources"));
        java.nio.file.Files.writeString(resources.resolve("jetty-logging.properties"), "x");
        java.nio.file.Path jar = java.nio.file.Files.writeString(dir.resolve("a.jar"), "jar");
        String classPath = resources + java.io.File.pathSeparator + jar + java.io.File.pathSeparator + "/b.jar";
        assertEquals(jar + java.io.File.pathSeparator + "/b.jar" + java.io.File.pathSeparator + resources,
            ChildCommand.directoriesLast(classPath));

        ChildCommand command = ChildCommand.of("java", List.of("-jar", "start.jar"), List.of());
        String printed = "java --class-path " + classPath + " org.eclipse.jetty.xml.XmlConfiguration /b/p.properties " +
            "--env ee10 -cp " + resources;
        ChildCommand.Launch launch = command.fromDryRun(printed, PROPS, true);
        List<String> line = launch.command(Role.WORKER, 1);
        assertEquals(ChildCommand.directoriesLast(classPath), line.get(line.indexOf("--class-path") + 1));
        assertEquals(resources.toString(), line.get(line.size() - 1), "an environment's -cp is not the JVM's");
        String before = launch.fingerprint();
        assertEquals(before, command.fromDryRun(printed, PROPS, true).fingerprint());
        java.nio.file.Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        assertTrue(!before.equals(command.fromDryRun(printed, PROPS, true).fingerprint()), "a changed jar changes the fingerprint");
    }

    @Test
    void aDryRunOutputThatIsNotACommandIsRefusedSayingWhat()
    {
        ChildCommand command = ChildCommand.of("java", List.of("-jar", "start.jar"), List.of());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
            () -> command.fromDryRun("ERROR: Missing Required File: etc/x.xml", PROPS, true));
        assertTrue(none.getMessage().contains("printed no org.eclipse.jetty.xml.XmlConfiguration command"),
            none.getMessage());
        // properties inline (a start.jar that ignored --exec-properties): refused, and the message does not repeat them
        IllegalArgumentException inline = assertThrows(IllegalArgumentException.class,
            () -> command.fromDryRun("java -cp x org.eclipse.jetty.xml.XmlConfiguration my.secret=hunter2 a.xml", PROPS, true));
        assertTrue(inline.getMessage().contains("did not put the properties in /b/p.properties"), inline.getMessage());
        assertTrue(!inline.getMessage().contains("hunter2"), inline.getMessage());
    }

    @Test
    void shellWordsSplitLikeAPosixShell()
    {
        assertEquals(List.of("a", "b c", "d'e", "f\"g$h", "i j", "k"),
            ShellWords.split("a 'b c' d\\'e \"f\\\"g\\$h\" i\\ j \\\n k"));
        assertThrows(IllegalArgumentException.class, () -> ShellWords.split("a 'b"));
    }

    @Test
    void whatStartJarPrintedIsLoggedWithItsPropertyValuesHidden()
    {
        String redacted = ShellWords.redactProperties("ERROR: bad my.secret=hunter2 'db.password=s3cr3t qq7' " +
            "x.y=\"q9 w8\" z=(hidden)");
        assertTrue(!redacted.contains("hunter2") && !redacted.contains("s3cr3t") && !redacted.contains("qq7") &&
            !redacted.contains("q9") && !redacted.contains("w8"), redacted);
        assertTrue(redacted.contains("my.secret=(hidden)"), redacted);
    }

    @Test
    void theClassPathKeepsItsOrderWithoutClassDataSharing()
    {
        ChildCommand command = ChildCommand.of("java", List.of("-jar", "start.jar"), List.of());
        String printed = "java --class-path /tmp:/a.jar org.eclipse.jetty.xml.XmlConfiguration /b/p.properties x.xml";
        List<String> line = command.fromDryRun(printed, PROPS, false).command(Role.WORKER, 1);
        assertEquals("/tmp:/a.jar", line.get(line.indexOf("--class-path") + 1));
        line = command.fromDryRun(printed, PROPS, true).command(Role.WORKER, 1);
        assertEquals("/a.jar:/tmp", line.get(line.indexOf("--class-path") + 1));
    }

    @Test
    void aDebugAgentOfTheMasterIsNotGivenToTheChildren()
    {
        ChildCommand command = ChildCommand.of("java", List.of("-Xmx1g",
            "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=5005", "-jar", "start.jar"), List.of());
        List<String> line = command.command(Role.WORKER, 1, Map.of(), List.of());
        assertTrue(line.contains("-Xmx1g"), line.toString());
        assertTrue(line.stream().noneMatch(w -> w.contains("jdwp")), line.toString());
        assertEquals(List.of("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=5005"),
            command.droppedOptions());
    }

    @Test
    void theMastersJitLevelStaysTheMasters()
    {
        ChildCommand command = ChildCommand.of("java", List.of("-XX:TieredStopAtLevel=1", "-Xss1m", "-jar",
            "start.jar"), List.of());
        List<String> worker = command.command(Role.WORKER, 1, Map.of(), List.of());
        assertTrue(worker.contains("-Xss1m") && worker.stream().noneMatch(w -> w.startsWith("-XX:TieredStopAtLevel")),
            "a worker keeps C2: " + worker);
        List<String> agent = command.command(Role.AGENT, 0, Map.of(), List.of("-XX:TieredStopAtLevel=1"));
        assertEquals(1, agent.stream().filter(w -> w.startsWith("-XX:TieredStopAtLevel")).count(), agent.toString());
        assertEquals(List.of("-XX:TieredStopAtLevel=1"), command.droppedOptions());
    }

    @Test
    void theMastersJmxPortsAndPrometheusAgentAreNotGivenToTheChildren()
    {
        List<String> listening = List.of("-Dcom.sun.management.jmxremote.port=9010",
            "-Dcom.sun.management.jmxremote.rmi.port=9011",
            "-javaagent:/opt/jmx_prometheus_javaagent-1.0.1.jar=127.0.0.1:9404:/etc/egg/jmx.yaml");
        List<String> master = new java.util.ArrayList<>(List.of("-Xmx1g", "-Dcom.sun.management.jmxremote.ssl=false",
            "-javaagent:/opt/otel.jar"));
        master.addAll(listening);
        master.addAll(List.of("-jar", "start.jar"));
        ChildCommand command = ChildCommand.of("java", master, List.of());
        List<String> line = command.command(Role.WORKER, 1, Map.of(), List.of());
        assertTrue(line.containsAll(List.of("-Xmx1g", "-Dcom.sun.management.jmxremote.ssl=false",
            "-javaagent:/opt/otel.jar")), "other options are kept: " + line);
        assertTrue(listening.stream().noneMatch(line::contains), line.toString());
        assertEquals(listening, command.droppedOptions());
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
