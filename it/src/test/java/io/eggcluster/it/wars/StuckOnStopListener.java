package io.eggcluster.it.wars;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** In a test WAR: a webapp that never finishes stopping, so its worker must be killed. */
public class StuckOnStopListener implements ServletContextListener
{
    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        event.getServletContext().log("stuck-war: blocking in contextDestroyed");
        BlockingListener.sleepForever();
    }
}
