package io.eggcluster.it.wars;

import java.io.IOException;

import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: {@code /workers} answers {@code {"pid":..,"workerCount":N,"eggPids":[..],"eggPidsEvents":E}}: N from
 * {@link Messenger#workerCount()}, then the data of the last {@value Messenger#EGG_PIDS} event this worker got and how
 * many it got ({@code null} and 0 before the first).
 */
public class WorkerCountListener extends ServletListener
{
    private volatile Object eggPids;
    private final java.util.concurrent.atomic.AtomicInteger eggPidsEvents = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void contextInitialized(jakarta.servlet.ServletContextEvent event)
    {
        super.contextInitialized(event);
        Messenger.current().on(Messenger.EGG_PIDS, message ->
        {
            eggPids = message.data();
            eggPidsEvents.incrementAndGet();
        });
    }

    @Override
    protected String path()
    {
        return "/workers";
    }

    @Override
    protected void serve(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Messenger messenger = (Messenger)request.getServletContext().getAttribute(Messenger.ATTRIBUTE);
        response.setContentType("application/json");
        response.getWriter().print("{\"pid\":" + ProcessHandle.current().pid() + ",\"workerCount\":" +
            messenger.workerCount() + ",\"eggPids\":" + eggPids + ",\"eggPidsEvents\":" + eggPidsEvents.get() + "}");
    }
}
