package io.eggcluster.it.wars;

import java.io.IOException;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: a careless webapp that prints what an HTTP client sent ({@code /echo?say=...}) to its standard
 * output and error, as many log a request parameter.
 */
public class EchoListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        event.getServletContext().addServlet("echo", new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                String said = request.getParameter("say");
                System.out.println(said);
                System.out.flush();
                System.err.println(said);
                response.setContentType("text/plain");
                response.getWriter().print("{\"pid\":" + ProcessHandle.current().pid() + ",\"tempdir\":\"" +
                    request.getServletContext().getAttribute("jakarta.servlet.context.tempdir") + "\"}");
            }
        }).addMapping("/echo");
    }
}
