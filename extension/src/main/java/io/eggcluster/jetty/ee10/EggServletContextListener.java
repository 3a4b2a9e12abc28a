package io.eggcluster.jetty.ee10;

import java.util.EventListener;

import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Messenger;
import io.eggcluster.jetty.internal.messenger.ClusterMessenger;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/**
 * Added to every ee10 webapp of a worker by {@code environments/ee10-egg-cluster.xml}: puts the process's
 * {@link Messenger} in the {@value Messenger#ATTRIBUTE} attribute (a view that unregisters what the webapp registered
 * when the webapp stops, see {@link WebappMessenger}) and, once egg-ready has come, calls every listener of the
 * webapp that implements {@link EggReadyListener}. Lives in the ee10 environment (it needs {@code jakarta.servlet});
 * it reaches the process's messenger through the server's class path, which the webapps cannot see.
 */
public class EggServletContextListener implements ServletContextListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        Messenger process;
        try
        {
            process = Messenger.current();
        }
        catch (IllegalStateException e)
        {
            context.log("egg-cluster: no messenger for this webapp: " + e.getMessage());
            return;
        }
        if (!(process instanceof ClusterMessenger cluster))
        {
            context.log("egg-cluster: no messenger for this webapp: the process's messenger is " + process);
            return;
        }
        // the context class loader while a webapp's listeners run is the webapp's
        ClassLoader webapp = Thread.currentThread().getContextClassLoader();
        WebappMessenger messenger = new WebappMessenger(cluster, webapp, nameOf(context));
        context.setAttribute(Messenger.ATTRIBUTE, messenger);
        messenger.onEggReady(m -> eggReady(context, webapp, messenger));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event)
    {
        if (event.getServletContext().getAttribute(Messenger.ATTRIBUTE) instanceof WebappMessenger messenger)
            messenger.close();
    }

    /** @return {@code webapp /path}, and its display name when it has one */
    static String nameOf(ServletContext context)
    {
        String path = context.getContextPath().isEmpty() ? "/" : context.getContextPath();
        String display = context.getServletContextName();
        boolean named = display != null && !display.isBlank() && !display.equals(path) &&
            !display.equals(context.getContextPath());
        return "webapp " + path + (named ? " (" + display + ")" : "");
    }

    /** Calls the webapp's listeners that are egg-ready hooks, in their order; one that fails stops none of the others. */
    private static void eggReady(ServletContext context, ClassLoader webapp, WebappMessenger messenger)
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
                    messenger.runHook(hook);
            }
        }
        finally
        {
            thread.setContextClassLoader(previous);
        }
    }
}
