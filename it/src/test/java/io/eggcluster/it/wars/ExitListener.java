package io.eggcluster.it.wars;

import java.io.IOException;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** In a test WAR: {@code /exit?code=N} ends the worker's JVM with {@code System.exit(N)}, right after answering. */
public class ExitListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        event.getServletContext().addServlet("exit", new HttpServlet()
        {
            @Override
            protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                int code = Integer.parseInt(request.getParameter("code"));
                response.getWriter().print("{\"pid\":" + ProcessHandle.current().pid() + "}");
                response.flushBuffer();
                Thread exit = new Thread(() -> System.exit(code));
                exit.start();
            }
        }).addMapping("/exit");
    }
}
