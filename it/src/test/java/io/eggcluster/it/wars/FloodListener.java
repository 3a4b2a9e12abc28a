package io.eggcluster.it.wars;

import java.io.IOException;

import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR ({@code flood.war}): {@code POST /flood/send?count=1000&bytes=1047552} sends {@code count} messages
 * to the agent, each a string of {@code bytes} characters, one after the other, and answers how many sends were
 * accepted and how many refused: {@code {"pid":..,"accepted":..,"refused":..,"refusal":".."}} (the first refusal's
 * message).
 */
public class FloodListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        Messenger messenger = (Messenger)context.getAttribute(Messenger.ATTRIBUTE);
        context.addServlet("flood", new HttpServlet()
        {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                int count = Integer.parseInt(request.getParameter("count"));
                String payload = "x".repeat(Integer.parseInt(request.getParameter("bytes")));
                int accepted = 0;
                int refused = 0;
                String refusal = "";
                for (int i = 0; i < count; i++)
                {
                    try
                    {
                        messenger.sendToAgent("flood-bytes", payload);
                        accepted++;
                    }
                    catch (RuntimeException e)
                    {
                        if (refused++ == 0)
                            refusal = e.toString();
                    }
                }
                response.setContentType("application/json");
                response.getWriter().print("{\"pid\":" + ProcessHandle.current().pid() + ",\"accepted\":" + accepted +
                    ",\"refused\":" + refused + ",\"refusal\":\"" + refusal.replace("\\", "\\\\").replace("\"", "'") +
                    "\"}");
            }
        }).addMapping("/*");
    }
}
