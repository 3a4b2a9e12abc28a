package io.eggcluster.it.wars;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** In a test WAR: a webapp whose start never ends, so its worker never becomes ready. */
public class BlockingListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        event.getServletContext().log("blocking-war: blocking in contextInitialized");
        sleepForever();
    }

    static void sleepForever()
    {
        try
        {
            Thread.sleep(Long.MAX_VALUE);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
