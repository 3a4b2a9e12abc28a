package io.eggcluster.it.webapp;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** In a test WAR: an app listener that is also an egg-ready hook, as an application writes one. */
public class HooksListener implements ServletContextListener, EggReadyListener
{
    static final AtomicInteger EGG_READY_CALLS = new AtomicInteger();
    static final List<Object> PINGS = new CopyOnWriteArrayList<>();
    static volatile boolean attributeSeen;

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        Messenger messenger = (Messenger)event.getServletContext().getAttribute(Messenger.ATTRIBUTE);
        attributeSeen = messenger != null;
        if (messenger != null)
            messenger.on("ping", message -> PINGS.add(message.data()));
    }

    @Override
    public void onEggReady(Messenger messenger)
    {
        EGG_READY_CALLS.incrementAndGet();
        messenger.sendToAgent("hello", "from the webapp");
    }
}
