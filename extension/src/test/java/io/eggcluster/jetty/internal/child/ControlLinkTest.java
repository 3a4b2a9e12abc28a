package io.eggcluster.jetty.internal.child;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.Control;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The child's end of the control channel against a socket playing the master. */
class ControlLinkTest
{
    private final Path dir;
    private final ServerSocketChannel master;

    ControlLinkTest() throws Exception
    {
        dir = Files.createTempDirectory("egg-link-");
        master = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        master.bind(UnixDomainSocketAddress.of(dir.resolve("s")));
    }

    @AfterEach
    void close() throws Exception
    {
        master.close();
        Files.deleteIfExists(dir.resolve("s"));
        Files.deleteIfExists(dir);
    }

    @Test
    void theTokenGoesFirstThenReportsOutAndCommandsInUntilReadingStops() throws Exception
    {
        CompletableFuture<ControlLink> connecting = CompletableFuture.supplyAsync(() ->
            ControlLink.connect(dir.resolve("s").toString(), "t0ken"));
        try (SocketChannel child = master.accept())
        {
            ControlLink link = connecting.get(5, TimeUnit.SECONDS);
            Control.LineReader reports = new Control.LineReader(child);
            assertEquals("t0ken", reports.readLine());
            link.send(Control.failed("two\nlines"));
            assertEquals("failed two | lines", reports.readLine());

            Control.writeLine(child, Control.start(Role.WORKER, 2));
            Control.writeLine(child, Control.eggReady());
            assertEquals("start worker 2", link.readCommand());
            assertEquals("egg-ready", link.readCommand());

            CompletableFuture<String> waiting = CompletableFuture.supplyAsync(link::readCommand);
            Thread.sleep(100);
            link.stopReading();
            assertNull(waiting.get(5, TimeUnit.SECONDS), "a read under way ends");
            link.send(Control.ready());
            assertEquals("ready", reports.readLine(), "reports still go out");
        }
    }

    @Test
    void theMasterGoneEndsTheCommands() throws Exception
    {
        CompletableFuture<ControlLink> connecting = CompletableFuture.supplyAsync(() ->
            ControlLink.connect(dir.resolve("s").toString(), "t"));
        SocketChannel child = master.accept();
        ControlLink link = connecting.get(5, TimeUnit.SECONDS);
        child.close();
        assertNull(link.readCommand());
        link.send(Control.ready()); // ignored, no exception
    }

    @Test
    void withoutTheEnvironmentItSaysToStartTheMaster()
    {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ControlLink.connect(null, null));
        assertTrue(e.getMessage().contains("start the master, not a child"), e.getMessage());
    }
}
