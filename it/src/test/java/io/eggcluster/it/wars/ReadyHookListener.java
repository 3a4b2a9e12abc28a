package io.eggcluster.it.wars;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: an egg-ready hook both ways a webapp has (a web.xml listener that implements
 * {@link EggReadyListener}, and one registered with {@link Messenger#onEggReady}), each counting its calls and
 * printing {@code ready-hook: <how> #<n> in <pid>}. {@code GET /ready} tells the counts;
 * {@code POST /ready?held=<n>&tag=<t>} sends {@code held} messages {@code t-1..t-n} to the agent.
 */
public class ReadyHookListener implements ServletContextListener, EggReadyListener
{
    private static final AtomicInteger LISTENER_CALLS = new AtomicInteger();
    private static final AtomicInteger REGISTERED_CALLS = new AtomicInteger();

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        Messenger messenger = (Messenger)event.getServletContext().getAttribute(Messenger.ATTRIBUTE);
        messenger.onEggReady(m -> System.out.println("ready-hook: registered #" + REGISTERED_CALLS.incrementAndGet() +
            " in " + ProcessHandle.current().pid()));
        event.getServletContext().addServlet("ready", new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                EggProcess self = EggProcess.current();
                response.setContentType("application/json");
                response.getWriter().print("{\"pid\":" + self.pid() + ",\"workerId\":" + self.workerId() +
                    ",\"listenerCalls\":" + LISTENER_CALLS.get() + ",\"registeredCalls\":" + REGISTERED_CALLS.get() + "}");
            }

            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response)
            {
                int held = Integer.parseInt(request.getParameter("held"));
                String tag = request.getParameter("tag");
                for (int i = 1; i <= held; i++)
                    messenger.sendToAgent("held", tag + "-" + i);
                response.setStatus(204);
            }
        }).addMapping("/ready");
    }

    @Override
    public void onEggReady(Messenger messenger)
    {
        System.out.println("ready-hook: listener #" + LISTENER_CALLS.incrementAndGet() + " in " +
            ProcessHandle.current().pid());
    }
}
