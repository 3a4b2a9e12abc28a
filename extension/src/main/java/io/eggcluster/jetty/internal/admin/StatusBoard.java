package io.eggcluster.jetty.internal.admin;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's latest {@link ClusterStatus}: published by the master's event loop when something changed (and every
 * second for the figures), read by any thread. Listeners run on the publishing thread, in order, after the status is
 * current; they must not block.
 */
public class StatusBoard extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(StatusBoard.class);
    private final List<Consumer<ClusterStatus>> listeners = new CopyOnWriteArrayList<>();
    private volatile ClusterStatus current;

    /** @return the latest status, null before the master published one */
    public ClusterStatus current()
    {
        return current;
    }

    /** Makes {@code status} current and tells the listeners. */
    public void publish(ClusterStatus status)
    {
        current = status;
        for (Consumer<ClusterStatus> listener : listeners)
        {
            try
            {
                listener.accept(status);
            }
            catch (RuntimeException x)
            {
                LOG.warn("a status listener ({}) failed", listener, x);
            }
        }
    }

    /** {@code listener} is told each status published from now on. */
    public void addListener(Consumer<ClusterStatus> listener)
    {
        listeners.add(listener);
    }
}
