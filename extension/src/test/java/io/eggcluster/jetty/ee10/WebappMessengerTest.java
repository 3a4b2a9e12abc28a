package io.eggcluster.jetty.ee10;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.messenger.ClusterMessenger;
import io.eggcluster.jetty.internal.messenger.LocalTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebappMessengerTest
{
    private final LocalTransport transport = new LocalTransport(100);
    private final ClusterMessenger worker = new ClusterMessenger(new EggProcess(Role.WORKER, 1, 11), 1, transport, 4096);
    private final ClusterMessenger agent = new ClusterMessenger(new EggProcess(Role.AGENT, 0, 10), 1, transport, 4096);

    @AfterEach
    void stop() throws Exception
    {
        worker.stop();
        agent.stop();
    }

    @Test
    void whatAStoppedWebappRegisteredIsGone() throws Exception
    {
        worker.start();
        agent.start();
        transport.register("worker-1", 11);
        transport.register("agent", 10);
        worker.eggReady();
        agent.eggReady();
        WebappMessenger webapp = new WebappMessenger(worker);
        List<Object> received = new CopyOnWriteArrayList<>();
        webapp.on("news", m -> received.add(m.data()));
        webapp.handle("ask", m -> "answer");
        agent.sendToApp("news", 1);
        assertEquals("answer", agent.request(11, "ask", null, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
        assertEquals(List.of(1), received);

        webapp.close();
        agent.sendToApp("news", 2);
        ExecutionException noHandler = assertThrows(ExecutionException.class,
            () -> agent.request(11, "ask", null, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS));
        assertTrue(noHandler.getCause().getMessage().contains("no handler for request 'ask'"));
        assertEquals(List.of(1), received, "the stopped webapp's listener got nothing more");
        List<Object> hooks = new CopyOnWriteArrayList<>();
        webapp.onEggReady(m -> hooks.add(m));
        assertEquals(List.of(), hooks, "no hook runs for a stopped webapp");
    }
}
