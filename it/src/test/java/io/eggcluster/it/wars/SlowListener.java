package io.eggcluster.it.wars;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** In a test WAR: a webapp that takes 5 s to deploy. */
public class SlowListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        try
        {
            Thread.sleep(5000);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
