package io.eggcluster.jetty.ee10;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Message;
import io.eggcluster.jetty.api.MessageListener;
import io.eggcluster.jetty.api.Messenger;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.messenger.ClusterMessenger;
import io.eggcluster.jetty.internal.messenger.LocalTransport;
import io.eggcluster.jetty.internal.messenger.ProcessMessenger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a webapp registers is gone when it stops, and nothing else is: a webapp here is a class loader of its own
 * (as Jetty gives each), the registering thread's context class loader while the webapp's code runs.
 */
class WebappMessengerTest
{
    private final LocalTransport transport = new LocalTransport(100);
    private final ClusterMessenger worker = new ClusterMessenger(new EggProcess(Role.WORKER, 1, 11), 1, transport, 4096);
    private final ClusterMessenger agent = new ClusterMessenger(new EggProcess(Role.AGENT, 0, 10), 1, transport, 4096);
    /** What this test itself (not a webapp) receives: the last message of a test, to know the earlier ones were handled. */
    private final BlockingQueue<Message> barrier = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception
    {
        worker.start();
        agent.start();
        transport.register("worker-1", 11);
        transport.register("agent", 10);
        worker.on("barrier", barrier::add);
    }

    @AfterEach
    void stop() throws Exception
    {
        ProcessMessenger.install(null);
        worker.stop();
        agent.stop();
    }

    private void eggReady()
    {
        worker.eggReady();
        agent.eggReady();
    }

    /** A webapp's class loader: what Jetty makes the context class loader while the webapp's code runs. */
    private static ClassLoader webappLoader(String name)
    {
        return new URLClassLoader(name, new URL[0], WebappMessengerTest.class.getClassLoader());
    }

    /** What the ee10 listener gives a webapp that {@code loader} loads. */
    private WebappMessenger webapp(ClassLoader loader)
    {
        return new WebappMessenger(worker, loader, "webapp /" + loader.getName());
    }

    /** Runs the webapp's code: on a thread whose context class loader is the webapp's. */
    private static void asWebapp(ClassLoader loader, Runnable code)
    {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try
        {
            code.run();
        }
        finally
        {
            thread.setContextClassLoader(previous);
        }
    }

    /** Waits until the worker has handled everything the agent sent it before. */
    private void awaitHandled() throws InterruptedException
    {
        agent.sendToApp("barrier", null);
        assertNotNull(barrier.poll(10, TimeUnit.SECONDS), "the barrier came");
    }

    private Object ask(String action) throws Exception
    {
        return agent.request(11, action, null, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
    }

    private void assertNoHandler(String action)
    {
        ExecutionException noHandler = assertThrows(ExecutionException.class, () -> ask(action));
        assertTrue(noHandler.getCause().getMessage().contains("no handler for request '" + action + "'"),
            noHandler.getCause().getMessage());
    }

    @Test
    void whatAStoppedWebappRegisteredIsGone() throws Exception
    {
        eggReady();
        ClassLoader loader = webappLoader("shop");
        WebappMessenger webapp = webapp(loader);
        List<Object> received = new CopyOnWriteArrayList<>();
        asWebapp(loader, () ->
        {
            webapp.on("news", m -> received.add(m.data()));
            webapp.handle("ask", m -> "answer");
        });
        // through its messenger from a thread that is not the webapp's (one of a library's pools, say)
        webapp.on("news", m -> received.add("foreign " + m.data()));
        agent.sendToApp("news", 1);
        assertEquals("answer", ask("ask"));
        awaitHandled();
        assertEquals(List.of(1, "foreign 1"), received);

        webapp.close();
        agent.sendToApp("news", 2);
        assertNoHandler("ask");
        awaitHandled();
        assertEquals(List.of(1, "foreign 1"), received, "the stopped webapp's listeners got nothing more");
        List<Object> hooks = new CopyOnWriteArrayList<>();
        IllegalStateException stopped = assertThrows(IllegalStateException.class, () -> webapp.onEggReady(hooks::add),
            "what a stopped webapp would register could never be removed");
        assertTrue(stopped.getMessage().contains("webapp /shop has stopped"), stopped.getMessage());
        assertThrows(IllegalStateException.class, () -> webapp.on("news", m -> received.add(m.data())));
        assertEquals(List.of(), hooks, "no hook runs for a stopped webapp");
    }

    @Test
    void aListenerRegisteredForTwoActionsIsGoneFromBoth() throws Exception
    {
        eggReady();
        ClassLoader loader = webappLoader("shop");
        WebappMessenger webapp = webapp(loader);
        List<Object> received = new CopyOnWriteArrayList<>();
        MessageListener listener = m -> received.add(m.action());
        asWebapp(loader, () ->
        {
            webapp.on("first", listener);
            webapp.on("second", listener);
            webapp.on("second", listener);
        });
        agent.sendToApp("first", null);
        agent.sendToApp("second", null);
        awaitHandled();
        assertEquals(List.of("first", "second", "second"), received);

        webapp.close();
        agent.sendToApp("first", null);
        agent.sendToApp("second", null);
        awaitHandled();
        assertEquals(List.of("first", "second", "second"), received, "none of its three registrations is left");
    }

    @Test
    void aStoppingWebappLeavesTheHandlerAnotherWebappRegisteredSinceForTheSameAction() throws Exception
    {
        eggReady();
        ClassLoader shopLoader = webappLoader("shop");
        ClassLoader adminLoader = webappLoader("admin");
        WebappMessenger shop = webapp(shopLoader);
        WebappMessenger admin = webapp(adminLoader);
        asWebapp(shopLoader, () -> shop.handle("ask", m -> "shop"));
        asWebapp(adminLoader, () -> admin.handle("ask", m -> "admin"));
        assertEquals("admin", ask("ask"), "a second handler replaces the first");

        shop.close();
        assertEquals("admin", ask("ask"), "the shop's stop took nothing of the admin's");
        admin.close();
        assertNoHandler("ask");
    }

    @Test
    void whatAWebappRegisteredThroughMessengerCurrentGoesWhenItStops() throws Exception
    {
        ProcessMessenger.install(worker);
        ClassLoader loader = webappLoader("shop");
        WebappMessenger webapp = webapp(loader);
        List<Object> received = new CopyOnWriteArrayList<>();
        List<Object> hooks = new CopyOnWriteArrayList<>();
        asWebapp(loader, () ->
        {
            Messenger messenger = Messenger.current();
            messenger.on("news", m -> received.add("listener " + m.data()));
            messenger.once("news", m -> received.add("once " + m.data()));
            messenger.handle("ask", m -> "answer");
            messenger.onEggReady(m -> hooks.add("hook"));
            // a thread the webapp starts inherits its context class loader
            Thread started = new Thread(() -> Messenger.current().on("news", m -> received.add("thread " + m.data())));
            started.start();
            try
            {
                started.join();
            }
            catch (InterruptedException e)
            {
                throw new AssertionError(e);
            }
        });
        webapp.close();
        eggReady();

        agent.sendToApp("news", 1);
        assertNoHandler("ask");
        awaitHandled();
        assertEquals(List.of(), received, "none of the stopped webapp's listeners is called");
        assertEquals(List.of(), hooks, "its egg-ready hook does not run");
    }
}
