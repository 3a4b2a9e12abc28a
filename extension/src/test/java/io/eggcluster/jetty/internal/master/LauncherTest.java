package io.eggcluster.jetty.internal.master;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.eggcluster.jetty.internal.EggSettings;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's background work reaches the master only as events on its queue: its state changes when the event
 * loop runs them, never on the launcher's own threads.
 */
class LauncherTest
{
    private final Path base;
    private Launcher launcher;

    LauncherTest() throws Exception
    {
        base = Files.createTempDirectory("egg-launcher-");
    }

    @AfterEach
    void cleanUp() throws Exception
    {
        if (launcher != null)
            LifeCycle.stop(launcher);
        try (Stream<Path> files = Files.walk(base))
        {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(path);
        }
    }

    @Test
    void theFirstForkTakesTheDryRunsCommandAndItsPropertiesFileIsOwnerOnlyAndRemovedOnStop() throws Exception
    {
        // plays start.jar --dry-run: prints the command with the properties file start.jar was asked to write
        Path java = base.resolve("java");
        Files.writeString(java, "#!/bin/sh\n" +
            "for a in \"$@\"; do case \"$a\" in --exec-properties=*) f=\"${a#--exec-properties=}\";; esac; done\n" +
            "echo \"/jdk/bin/java -cp /lib/a.jar org.eclipse.jetty.xml.XmlConfiguration $f /etc/jetty.xml\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        ChildCommand command = ChildCommand.of(java.toString(), List.of("-jar", "start.jar"), List.of());
        EggSettings settings = new EggSettings(2, 60_000, 60_000, 5_000, 60, 60_000, List.of(), List.of(), List.of(), false, 10_000, false,
            1 << 20, 10_000, null, "127.0.0.1", 0, "webapps", "/home", base.toString(), EggSettings.Health.DEFAULT,
            EggSettings.Operations.DEFAULT);
        BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
        launcher = new Launcher(settings, command, Map.of("jetty.base", base.toString()), Map.of(),
            new ControlServer(), events::add, () -> true, ProcessLogs.none());
        launcher.start();

        // the first fork (on the event loop) waits for the first dry run, which began with the launcher
        launcher.awaitFirstResolve();
        assertTrue(launcher.isResolved(), "the first fork starts from the dry run's command");
        Path properties = base.resolve("work/egg-cluster/children-" + ProcessHandle.current().pid() + ".properties");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(properties)));
        assertFalse(launcher.standbyWanted(), "resolved, but jetty.egg.standby=false");

        launcher.stop();
        assertFalse(Files.exists(properties), "the children's properties file goes with the master");
        assertTrue(events.isEmpty(), String.valueOf(events));
    }
}
