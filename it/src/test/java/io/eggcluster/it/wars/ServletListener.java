package io.eggcluster.it.wars;

import java.io.IOException;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** In a test WAR: a listener that adds one servlet answering GET at {@link #path()} (TestWars bundles this class). */
public abstract class ServletListener implements ServletContextListener
{
    /** @return where the servlet answers, inside the WAR's context */
    protected abstract String path();

    protected abstract void serve(HttpServletRequest request, HttpServletResponse response) throws IOException;

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletListener listener = this;
        event.getServletContext().addServlet(getClass().getSimpleName(), new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                listener.serve(request, response);
            }
        }).addMapping(path());
    }
}
