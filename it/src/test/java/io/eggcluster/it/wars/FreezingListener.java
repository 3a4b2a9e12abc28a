package io.eggcluster.it.wars;

import java.io.IOException;

import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: a message listener that never returns, as a deadlocked one would. {@code GET /freeze} sends this
 * process the message {@code freeze}; its listener prints {@code freezing-war: listener blocks in <pid>} and sleeps
 * forever, holding the process's message dispatch.
 */
public class FreezingListener extends ServletListener
{
    private Messenger messenger;

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        messenger = (Messenger)event.getServletContext().getAttribute(Messenger.ATTRIBUTE);
        messenger.on("freeze", message ->
        {
            System.out.println("freezing-war: listener blocks in " + ProcessHandle.current().pid());
            System.out.flush();
            BlockingListener.sleepForever();
        });
        super.contextInitialized(event);
    }

    @Override
    protected String path()
    {
        return "/freeze";
    }

    @Override
    protected void serve(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long pid = ProcessHandle.current().pid();
        messenger.sendTo(pid, "freeze", null);
        response.setContentType("application/json");
        response.getWriter().print("{\"pid\":" + pid + "}");
    }
}
