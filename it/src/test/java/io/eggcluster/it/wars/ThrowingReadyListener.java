package io.eggcluster.it.wars;

import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * In a test WAR: egg-ready hooks that fail, both ways a webapp has (this web.xml listener's, and one it registers
 * with {@link Messenger#onEggReady}); the webapp's other hooks must run all the same.
 */
public class ThrowingReadyListener implements ServletContextListener, EggReadyListener
{
    public static final String MESSAGE = "throwing-hook refuses egg-ready";

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        Messenger messenger = (Messenger)event.getServletContext().getAttribute(Messenger.ATTRIBUTE);
        messenger.onEggReady(m ->
        {
            throw new IllegalStateException(MESSAGE);
        });
    }

    @Override
    public void onEggReady(Messenger messenger)
    {
        throw new IllegalStateException(MESSAGE);
    }
}
