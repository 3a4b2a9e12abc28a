package io.eggcluster.jetty.ee10;

import java.util.EventListener;

import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/**
 * Added to every ee10 webapp of a worker by {@code environments/ee10-egg-cluster.xml}: puts the process's
 * {@link Messenger} in the {@value Messenger#ATTRIBUTE} attribute (a view that unregisters what the webapp registered
 * when the webapp stops) and, once egg-ready has come, calls every listener of the webapp that implements
 * {@link EggReadyListener}. Lives in the ee10 environment (it needs
 * {@code jakarta.servlet}); everything it uses of the cluster is the server's API.
 */
public class EggServletContextListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        Messenger messenger;
        try
        {
            messenger = Messenger.current();
        }
        catch (IllegalStateException e)
        {
            context.log("egg-cluster: no messenger for this webapp: " + e.getMessage());
            return;
        }
        WebappMessenger webappMessenger = new WebappMessenger(messenger);
        context.setAttribute(Messenger.ATTRIBUTE, webappMessenger);
        ClassLoader webapp = Thread.currentThread().getContextClassLoader();
        webappMessenger.onEggReady(m -> eggReady(context, webapp, m));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        if (event.getServletContext().getAttribute(Messenger.ATTRIBUTE) instanceof WebappMessenger messenger)
            messenger.close();
    }

    private static void eggReady(ServletContext context, ClassLoader webapp, Messenger messenger)
    {
        ServletContextHandler handler = ServletContextHandler.getServletContextHandler(context);
        if (handler == null || !handler.isAvailable())
            return;
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(webapp);
        try
        {
            for (EventListener listener : handler.getEventListeners())
            {
                if (listener instanceof EggReadyListener hook)
                {
                    try
                    {
                        hook.onEggReady(messenger);
                    }
                    catch (Throwable x)
                    {
                        context.log("egg-cluster: the egg-ready hook " + listener.getClass().getName() + " failed", x);
                    }
                }
            }
        }
        finally
        {
            thread.setContextClassLoader(previous);
        }
    }
}
