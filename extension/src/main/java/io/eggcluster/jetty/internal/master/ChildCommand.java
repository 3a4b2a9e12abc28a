package io.eggcluster.jetty.internal.master;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;

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
    private static final List<String> OWN_PROPERTIES = List.of(Control.ROLE_PROPERTY + "=",
        Control.WORKER_ID_PROPERTY + "=", "jetty.home=", "jetty.base=");

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

    static final String XML_MAIN = "org.eclipse.jetty.xml.XmlConfiguration";
    static final String STANDBY_MAIN = "io.eggcluster.jetty.internal.child.Standby";
    static final String ROLE = Control.ROLE_PROPERTY + "=";
    static final String WORKER_ID = Control.WORKER_ID_PROPERTY + "=";

    private final String java;
    /** The master's JVM options, Hazelcast's, then jetty.egg.jvmArgs. */
    private final List<String> jvmOptions;
    /** {@code -jar start.jar}, or {@code -cp start.jar org.eclipse.jetty.start.Main}. */
    private final List<String> startJar;
    private final List<String> startArgs;

    private final List<String> droppedOptions;

    private ChildCommand(String java, List<String> jvmOptions, List<String> startJar, List<String> startArgs,
                         List<String> droppedOptions)
    {
        this.droppedOptions = droppedOptions;
        this.java = java;
        this.jvmOptions = jvmOptions;
        this.startJar = startJar;
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
        List<String> options = new ArrayList<>();
        if (jar >= 0 && jar + 1 < masterArgs.size())
            split = jar + 2;
        else if (main >= 0)
            split = main + 1;
        else
            throw new IllegalStateException("egg-cluster: the master must run in the JVM started by 'java -jar start.jar' " +
                "(no --exec, no module with [exec]; put child JVM options in jetty.egg.jvmArgs), but this JVM was started as: " +
                String.join(" ", masterArgs));
        // with start.jar's Main on the class path, '-cp start.jar' belongs to the launch, not to the JVM options
        int launch = jar >= 0 ? jar : main;
        if (jar < 0 && main >= 2 && List.of("-cp", "-classpath", "--class-path").contains(masterArgs.get(main - 2)))
            launch = main - 2;
        List<String> jvmOptions = masterArgs.subList(0, launch);
        List<String> dropped = new ArrayList<>();
        for (String option : jvmOptions)
        {
            if (listensOnAPort(option) || isMastersOwn(option))
                dropped.add(option);
            else
                options.add(option);
        }
        for (List<String> option : HAZELCAST_OPTIONS)
        {
            if (!jvmOptions.contains(option.get(1)) && !jvmOptions.contains(option.get(0) + "=" + option.get(1)))
                options.addAll(option);
        }
        options.addAll(extraJvmArgs);
        List<String> startJar = masterArgs.subList(launch, split);
        List<String> startArgs = new ArrayList<>();
        for (String arg : masterArgs.subList(split, masterArgs.size()))
        {
            if (DROPPED_OPTIONS.stream().noneMatch(arg::startsWith) && OWN_PROPERTIES.stream().noneMatch(arg::startsWith))
                startArgs.add(arg);
        }
        return new ChildCommand(java, List.copyOf(options), List.copyOf(startJar), List.copyOf(startArgs),
            List.copyOf(dropped));
    }

    /**
     * @return whether a JVM option makes the JVM listen on a fixed port: a debug agent, JMX's remote connector, or
     * Prometheus' JMX exporter as a Java agent ({@code -javaagent:.../jmx_prometheus_javaagent.jar=9404:...}); every
     * child would try to bind the master's port and fail to start (the master's MBeans cover the whole cluster)
     */
    static boolean listensOnAPort(String option)
    {
        return option.startsWith("-agentlib:jdwp") || option.startsWith("-Xrunjdwp") ||
            option.startsWith("-Dcom.sun.management.jmxremote.port=") ||
            option.startsWith("-Dcom.sun.management.jmxremote.rmi.port=") ||
            option.startsWith("-javaagent:") && option.contains("jmx_prometheus");
    }

    /**
     * @return whether a JVM option is the master's own JIT level ({@code -XX:TieredStopAtLevel}, which
     * {@code bin/egg-cluster start} sets to 1 for the master): each role has its own, from
     * {@code jetty.egg.agentJvmArgs} and {@code jetty.egg.workerJvmArgs}, and a worker limited to C1 would serve at a
     * fraction of its rate
     */
    static boolean isMastersOwn(String option)
    {
        return option.startsWith("-XX:TieredStopAtLevel=");
    }

    /**
     * @return the master's JVM options not passed to the children: a debug agent, JMX's remote port, Prometheus' JMX
     * exporter agent (each child would bind the master's port, see {@link #listensOnAPort}), and the master's JIT
     * level ({@link #isMastersOwn})
     */
    List<String> droppedOptions()
    {
        return droppedOptions;
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
     * @param roleOptions the role's own JVM options, after the others
     * @return the full command line
     */
    List<String> command(Role role, int workerId, Map<String, String> properties, List<String> roleOptions)
    {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(roleOptions);
        command.addAll(startJar);
        command.addAll(startArgs);
        properties.forEach((name, value) -> command.add(name + "=" + value));
        command.add(ROLE + role.id());
        command.add(WORKER_ID + workerId);
        return command;
    }

    /**
     * @param properties more {@code name=value} start properties for the children (home, base, port options)
     * @param execProperties where start.jar writes every property of the children, which may hold secrets of the
     *                       base's {@code start.d}: a file of mode 0600 the caller made
     * @return the command that prints, with {@code --dry-run}, what {@code start.jar} would run for a child, with its
     * properties in {@code execProperties} instead of on the command line (as Jetty's docker image does);
     * {@link #fromDryRun} adds each child's role and slot
     */
    List<String> dryRunCommand(Map<String, String> properties, Path execProperties)
    {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(startJar);
        command.addAll(dryRunArguments(properties, execProperties));
        return command;
    }

    /**
     * @return the arguments {@link #dryRunCommand} gives start.jar (what follows {@code -jar start.jar}): for
     * {@link StartJarDryRun}, which runs the dry run in this JVM
     */
    List<String> dryRunArguments(Map<String, String> properties, Path execProperties)
    {
        List<String> arguments = new ArrayList<>();
        arguments.add("--dry-run");
        arguments.add("--exec-properties=" + execProperties);
        arguments.addAll(startArgs);
        properties.forEach((name, value) -> arguments.add(name + "=" + value));
        return arguments;
    }

    /**
     * The children's command without {@code start.jar}: what {@code start.jar --dry-run} printed (the class path,
     * {@code XmlConfiguration}, the properties file and the XML files it resolved from the base's modules), run with
     * this command's JVM options, and each child's role and slot after {@code XmlConfiguration}. It saves each
     * child start.jar's module resolution; the Jetty docker image starts Jetty the same way.
     *
     * @param dryRunOutput what {@link #dryRunCommand} printed
     * @param execProperties the properties file given to {@link #dryRunCommand}
     * @param classDataSharing whether the children will archive their classes, for which the class path's
     *                         directories must come after its jars ({@link #directoriesLast}); else it is kept as is
     * @throws IllegalArgumentException when the output is not such a command, saying why (without the properties)
     */
    Launch fromDryRun(String dryRunOutput, Path execProperties, boolean classDataSharing)
    {
        String line = null;
        for (String candidate : dryRunOutput.replace("\\\n", "").split("\n"))
        {
            if (candidate.contains(XML_MAIN))
                line = candidate;
        }
        if (line == null)
            throw new IllegalArgumentException("start.jar --dry-run printed no " + XML_MAIN + " command");
        List<String> words = ShellWords.split(line);
        int main = words.indexOf(XML_MAIN);
        if (main < 1 || main + 1 >= words.size() || !words.get(main + 1).equals(execProperties.toString()))
            throw new IllegalArgumentException("start.jar --dry-run did not put the properties in " + execProperties +
                " (expected '<java> ... " + XML_MAIN + " " + execProperties + " ...')");
        if (words.stream().anyMatch(w -> w.startsWith(ROLE) || w.startsWith(WORKER_ID)))
            throw new IllegalArgumentException("start.jar --dry-run printed " + ROLE + " or " + WORKER_ID +
                " on the command line");
        List<String> resolved = new ArrayList<>(words.subList(1, words.size()));
        int at = resolved.indexOf(XML_MAIN) + 1;
        resolved.add(at, WORKER_ID + 1);
        resolved.add(at, ROLE + Role.WORKER.id());
        for (int i = 0; classDataSharing && i < resolved.indexOf(XML_MAIN) - 1; i++)
        {
            if (List.of("--class-path", "-cp", "-classpath").contains(resolved.get(i)))
                resolved.set(i + 1, directoriesLast(resolved.get(i + 1)));
        }
        return new Launch(java, jvmOptions, List.copyOf(resolved));
    }

    /**
     * The JVM class path with its directories after its jars (each group in its order): class data sharing (JDK 17)
     * cannot archive a class path with a non-empty directory before a jar, and the base's {@code resources} holds
     * only resources, which no jar of a Jetty base also holds.
     */
    static String directoriesLast(String classPath)
    {
        List<String> jars = new ArrayList<>();
        List<String> directories = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator))
        {
            if (Files.isDirectory(Path.of(entry)))
                directories.add(entry);
            else
                jars.add(entry);
        }
        jars.addAll(directories);
        return String.join(File.pathSeparator, jars);
    }

    /** The children's command from {@code start.jar --dry-run}, see {@link #fromDryRun}. */
    record Launch(String java, List<String> jvmOptions, List<String> resolved)
    {
        /** A standby worker: the same command, run by {@code Standby}, which waits for its role and slot. */
        List<String> standbyCommand(List<String> moreJvmOptions)
        {
            List<String> command = command(Role.WORKER, 0, moreJvmOptions);
            command.set(command.indexOf(XML_MAIN), STANDBY_MAIN);
            return command;
        }

        /** @return this command with the properties file {@code from} named {@code to} instead */
        Launch withProperties(Path from, Path to)
        {
            List<String> words = new ArrayList<>(resolved);
            words.replaceAll(w -> w.equals(from.toString()) ? to.toString() : w);
            return new Launch(java, jvmOptions, List.copyOf(words));
        }

        List<String> command(Role role, int workerId)
        {
            return command(role, workerId, List.of());
        }

        /**
         * A fingerprint of what a class data sharing archive of these children depends on: the JVM, the options,
         * and every class path entry with its size and modification time (a changed jar gives a new fingerprint).
         */
        String fingerprint()
        {
            StringBuilder text = new StringBuilder(System.getProperty("java.home")).append('|')
                .append(System.getProperty("java.vm.version")).append('|').append(jvmOptions);
            int cp = resolved.indexOf("--class-path") >= 0 ? resolved.indexOf("--class-path") : resolved.indexOf("-cp");
            if (cp >= 0 && cp + 1 < resolved.size())
            {
                for (String entry : resolved.get(cp + 1).split(File.pathSeparator))
                {
                    File file = new File(entry);
                    text.append('|').append(entry).append(':').append(file.length()).append(':').append(file.lastModified());
                }
            }
            try
            {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    text.toString().getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest, 0, 8);
            }
            catch (NoSuchAlgorithmException e)
            {
                throw new IllegalStateException(e);
            }
        }

        List<String> command(Role role, int workerId, List<String> moreJvmOptions)
        {
            List<String> command = new ArrayList<>(2 + jvmOptions.size() + moreJvmOptions.size() + resolved.size());
            command.add(java);
            command.addAll(jvmOptions);
            command.addAll(moreJvmOptions);
            for (String word : resolved)
            {
                if (word.startsWith(ROLE))
                    command.add(ROLE + role.id());
                else if (word.startsWith(WORKER_ID))
                    command.add(WORKER_ID + workerId);
                else
                    command.add(word);
            }
            return command;
        }
    }
}
