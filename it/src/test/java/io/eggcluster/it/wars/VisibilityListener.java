package io.eggcluster.it.wars;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * In a test WAR: logs what the webapp can load,
 * {@code visibility: api=<loader> internal=<hidden|VISIBLE> hazelcast=<hidden|VISIBLE>}. The API must come from the
 * server (not the webapp's own loader); the internals and Hazelcast must stay hidden.
 */
public class VisibilityListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ClassLoader webapp = Thread.currentThread().getContextClassLoader();
        String api;
        try
        {
            Class<?> process = Class.forName("io.eggcluster.jetty.api.EggProcess", false, webapp);
            api = process.getClassLoader() == webapp ? "webapp" : "server";
        }
        catch (ClassNotFoundException e)
        {
            api = "missing";
        }
        String internal;
        try
        {
            Class.forName("io.eggcluster.jetty.internal.EggCluster", false, webapp);
            internal = "VISIBLE";
        }
        catch (ClassNotFoundException e)
        {
            internal = "hidden";
        }
        String hazelcast;
        try
        {
            Class.forName("com.hazelcast.core.Hazelcast", false, webapp);
            hazelcast = "VISIBLE";
        }
        catch (ClassNotFoundException e)
        {
            hazelcast = "hidden";
        }
        event.getServletContext().log("visibility: api=" + api + " internal=" + internal + " hazelcast=" + hazelcast);
    }
}
