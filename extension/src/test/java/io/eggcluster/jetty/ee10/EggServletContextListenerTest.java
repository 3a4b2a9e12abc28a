package io.eggcluster.jetty.ee10;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Messenger;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.messenger.ClusterMessenger;
import io.eggcluster.jetty.internal.messenger.LocalTransport;
import io.eggcluster.jetty.internal.messenger.ProcessMessenger;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ee10 listener in a real (connector-less) Jetty context: egg-ready hooks, and what a failing one does. */
class EggServletContextListenerTest
{
    private static final List<String> CALLS = new CopyOnWriteArrayList<>();

    private final LocalTransport transport = new LocalTransport(100);
    private final ClusterMessenger worker = new ClusterMessenger(new EggProcess(Role.WORKER, 1, 11), 1, transport, 4096);
    private final Server server = new Server();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private StdErrAppender appender;
    /** The appender's own stream: null while it prints to System.err. */
    private PrintStream original;

    /** A web.xml listener whose egg-ready hook fails. */
    public static class FailingHook implements ServletContextListener, EggReadyListener
    {
        @Override
        public void onEggReady(Messenger messenger)
        {
            throw new IllegalStateException("failing-hook says no");
        }
    }

    /** A web.xml listener whose egg-ready hook works. */
    public static class CountingHook implements ServletContextListener, EggReadyListener
    {
        @Override
        public void onEggReady(Messenger messenger)
        {
            CALLS.add("listener");
        }
    }

    /** Registers two hooks with the webapp's messenger, the first failing, and a failing one through Messenger.current(). */
    public static class RegisteringListener implements ServletContextListener
    {
        @Override
        public void contextInitialized(ServletContextEvent event)
        {
            Messenger messenger = (Messenger)event.getServletContext().getAttribute(Messenger.ATTRIBUTE);
            messenger.onEggReady(m ->
            {
                throw new IllegalStateException("registered-hook says no");
            });
            messenger.onEggReady(m -> CALLS.add("registered"));
            Messenger.current().onEggReady(m ->
            {
                throw new IllegalStateException("current-hook says no");
            });
        }
    }

    @BeforeEach
    void start() throws Exception
    {
        CALLS.clear();
        // what the messenger and Jetty log, seen by the test as well as printed
        appender = (StdErrAppender)((JettyLogger)LoggerFactory.getLogger(ClusterMessenger.class)).getAppender();
        original = appender.getStream();
        PrintStream stderr = original != null ? original : System.err;
        appender.setStream(new PrintStream(new OutputStream()
        {
            @Override
            public synchronized void write(int b)
            {
                log.write(b);
                stderr.write(b);
            }
        }, true, StandardCharsets.UTF_8));
        worker.start();
        transport.register("worker-1", 11);
        ProcessMessenger.install(worker);
        ServletContextHandler context = new ServletContextHandler("/shop");
        context.setClassLoader(new URLClassLoader("shop", new URL[0], getClass().getClassLoader()));
        context.addEventListener(new EggServletContextListener());
        context.addEventListener(new FailingHook());
        context.addEventListener(new CountingHook());
        context.addEventListener(new RegisteringListener());
        server.setHandler(context);
        server.start();
    }

    @AfterEach
    void stop() throws Exception
    {
        server.stop();
        worker.stop();
        ProcessMessenger.install(null);
        appender.setStream(original);
    }

    private String logged()
    {
        synchronized (log)
        {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aFailingEggReadyHookIsLoggedWithItsWebappAndItsExceptionAndTheOthersStillRun() throws Exception
    {
        worker.eggReady();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (CALLS.size() < 2 && System.nanoTime() < deadline)
            Thread.sleep(10);
        Thread.sleep(200);
        assertEquals(List.of("listener", "registered"), CALLS.stream().sorted().toList(),
            "every other hook ran, once");

        List<String> lines = logged().lines().toList();
        assertTrue(lines.stream().anyMatch(line -> line.contains("webapp /shop") &&
                line.contains("the egg-ready hook " + FailingHook.class.getName() + " failed") &&
                line.contains("java.lang.IllegalStateException: failing-hook says no")),
            "one line names the webapp, the web.xml listener and its exception:\n" + logged());
        assertTrue(lines.stream().anyMatch(line -> line.contains("webapp /shop") &&
                line.contains("the egg-ready hook " + RegisteringListener.class.getName() + "$$Lambda") &&
                line.contains("java.lang.IllegalStateException: registered-hook says no")),
            "one line names the webapp, the registered hook and its exception:\n" + logged());
        assertTrue(lines.stream().anyMatch(line -> line.contains("worker#1:11: the egg-ready hook " +
                RegisteringListener.class.getName() + "$$Lambda") && line.contains(" of shop failed: ") &&
                line.contains("java.lang.IllegalStateException: current-hook says no")),
            "one line names the hook registered through Messenger.current(), its class loader and its exception:\n" +
                logged());
    }
}
