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
        Class<?> process = load("io.eggcluster.jetty.api.EggProcess", webapp);
        String api = process == null ? "missing" : process.getClassLoader() == webapp ? "webapp" : "server";
        String internal = load("io.eggcluster.jetty.internal.EggCluster", webapp) == null ? "hidden" : "VISIBLE";
        String hazelcast = load("com.hazelcast.core.Hazelcast", webapp) == null ? "hidden" : "VISIBLE";
        event.getServletContext().log("visibility: api=" + api + " internal=" + internal + " hazelcast=" + hazelcast);
    }

    private static Class<?> load(String name, ClassLoader loader)
    {
        try
        {
            return Class.forName(name, false, loader);
        }
        catch (ClassNotFoundException e)
        {
            return null;
        }
    }
}
