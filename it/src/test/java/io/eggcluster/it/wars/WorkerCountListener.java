package io.eggcluster.it.wars;

import java.io.IOException;

import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** In a test WAR: {@code /workers} answers {@code {"pid":..,"workerCount":N}}, N from {@link Messenger#workerCount()}. */
public class WorkerCountListener extends ServletListener
{
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
            messenger.workerCount() + "}");
    }
}
