package io.eggcluster.jetty.internal.master;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.eggcluster.jetty.api.Role;

/**
 * The command line of a child: the master's own {@code java} binary and JVM options, plus
 * {@code jetty.egg.jvmArgs}, then {@code start.jar} on the same home and base with the master's own start
 * arguments, less those that would change the base, plus the child's role and slot.
 */
final class ChildCommand
{
    private static final String START_MAIN = "org.eclipse.jetty.start.Main";
    /** start.jar options that edit the base or do something else than run it: never repeated for a child. */
    private static final List<String> DROPPED_OPTIONS = List.of("--add-module", "--add-to-start", "--create-",
        "--update-ini", "--list-", "--dry-run", "--stop", "--help", "--version", "--download", "--write-module-graph",
        "--exec", "--approve-all-licenses", "--show-", "--jpms");
    /** Properties a child gets from the master, never from the master's own command line. */
    private static final List<String> OWN_PROPERTIES = List.of("jetty.egg.role=", "jetty.egg.workerId=",
        "jetty.home=", "jetty.base=");

    /**
     * What Hazelcast asks for on Java 17 (it works without, slower and with a warning): given to every child
     * unless the master's own options already hold them.
     */
    static final List<List<String>> HAZELCAST_OPTIONS = List.of(
        List.of("--add-modules", "java.se"),
        List.of("--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED"),
        List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"),
        List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"),
        List.of("--add-opens", "java.management/sun.management=ALL-UNNAMED"),
        List.of("--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED"));

    private final String java;
    private final List<String> launcher;
    private final List<String> startArgs;

    private ChildCommand(String java, List<String> launcher, List<String> startArgs)
    {
        this.java = java;
        this.launcher = launcher;
        this.startArgs = startArgs;
    }

    /**
     * @param java the java binary to run
     * @param masterArgs the master JVM's arguments (argv less the binary)
     * @param extraJvmArgs {@code jetty.egg.jvmArgs}
     * @return the command builder
     * @throws IllegalStateException when the master was not started through {@code start.jar} in this JVM
     */
    static ChildCommand of(String java, List<String> masterArgs, List<String> extraJvmArgs)
    {
        int jar = masterArgs.indexOf("-jar");
        int main = masterArgs.indexOf(START_MAIN);
        int split;
        List<String> launcher = new ArrayList<>();
        if (jar >= 0 && jar + 1 < masterArgs.size())
            split = jar + 2;
        else if (main >= 0)
            split = main + 1;
        else
            throw new IllegalStateException("egg-cluster: the master must run in the JVM started by 'java -jar start.jar' " +
                "(no --exec, no module with [exec]; put child JVM options in jetty.egg.jvmArgs), but this JVM was started as: " +
                String.join(" ", masterArgs));
        List<String> jvmOptions = masterArgs.subList(0, jar >= 0 ? jar : main);
        launcher.addAll(jvmOptions);
        for (List<String> option : HAZELCAST_OPTIONS)
        {
            if (!jvmOptions.contains(option.get(1)) && !jvmOptions.contains(option.get(0) + "=" + option.get(1)))
                launcher.addAll(option);
        }
        launcher.addAll(extraJvmArgs);
        launcher.addAll(masterArgs.subList(jar >= 0 ? jar : main, split));
        List<String> startArgs = new ArrayList<>();
        for (String arg : masterArgs.subList(split, masterArgs.size()))
        {
            if (DROPPED_OPTIONS.stream().noneMatch(arg::startsWith) && OWN_PROPERTIES.stream().noneMatch(arg::startsWith))
                startArgs.add(arg);
        }
        return new ChildCommand(java, List.copyOf(launcher), List.copyOf(startArgs));
    }

    /**
     * @return the command for the current JVM, from {@code /proc} (via {@link ProcessHandle})
     */
    static ChildCommand ofCurrentJvm(List<String> extraJvmArgs)
    {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String[] args = ProcessHandle.current().info().arguments()
            .orElseThrow(() -> new IllegalStateException("egg-cluster: cannot read this JVM's command line"));
        return of(java, List.of(args), extraJvmArgs);
    }

    /**
     * @param role the child's role
     * @param workerId the child's slot
     * @param properties more {@code name=value} start properties for this child (home, base, port options)
     * @return the full command line
     */
    List<String> command(Role role, int workerId, Map<String, String> properties)
    {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(launcher);
        command.addAll(startArgs);
        properties.forEach((name, value) -> command.add(name + "=" + value));
        command.add("jetty.egg.role=" + role.id());
        command.add("jetty.egg.workerId=" + workerId);
        return command;
    }
}
