package io.eggcluster.jetty.ee10;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.MessageListener;
import io.eggcluster.jetty.api.Messenger;
import io.eggcluster.jetty.internal.messenger.ClusterMessenger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messenger as one webapp sees it: the process's messenger, but what the webapp registers (listeners, request
 * handlers, egg-ready hooks) is removed when the webapp stops, so a redeployed or undeployed webapp leaves nothing
 * behind that would call into it.
 *
 * <p>What a webapp registered is known by its class loader: the process's messenger keeps, with every registration,
 * the context class loader of the thread that made it, which is the webapp's while its code runs (its listeners,
 * servlets and the threads it starts; the messenger's threads while they run its listeners). So {@link #close()}
 * also removes what the webapp registered through {@link Messenger#current()}, and only what it registered: a
 * listener object registered for several actions is removed from each, and another webapp's handler for the same
 * action stays. Registrations through this object are made as the webapp's whatever the calling thread.</p>
 */
final class WebappMessenger implements Messenger
{
    private static final Logger LOG = LoggerFactory.getLogger(WebappMessenger.class);

    private final ClusterMessenger process;
    private final ClassLoader webapp;
    private final String name;
    private volatile boolean closed;

    /**
     * @param process the process's messenger
     * @param webapp the webapp's class loader
     * @param name the webapp, for messages: {@code webapp /path}
     */
    WebappMessenger(ClusterMessenger process, ClassLoader webapp, String name)
    {
        this.process = process;
        this.webapp = webapp;
        this.name = name;
    }

    /** The webapp stopped: unregister everything it registered, through this messenger or any other way. */
    void close()
    {
        closed = true;
        process.removeAll(webapp);
    }

    /**
     * Registers as the webapp: with its class loader as the thread's context class loader.
     *
     * @throws IllegalStateException once the webapp has stopped: what it registers now would never be removed
     */
    private <T> T register(Supplier<T> registration)
    {
        if (closed)
            throw new IllegalStateException(name + " has stopped: its messenger takes no more registrations");
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(webapp);
        try
        {
            return registration.get();
        }
        finally
        {
            thread.setContextClassLoader(previous);
            // a close that ran meanwhile may have missed this registration
            if (closed)
                process.removeAll(webapp);
        }
    }

    @Override
    public void broadcast(String action, Object data)
    {
        process.broadcast(action, data);
    }

    @Override
    public void sendToApp(String action, Object data)
    {
        process.sendToApp(action, data);
    }

    @Override
    public void sendToAgent(String action, Object data)
    {
        process.sendToAgent(action, data);
    }

    @Override
    public void sendRandom(String action, Object data)
    {
        process.sendRandom(action, data);
    }

    @Override
    public void sendTo(long pid, String action, Object data)
    {
        process.sendTo(pid, action, data);
    }

    @Override
    public CompletableFuture<Object> request(long pid, String action, Object data, Duration timeout)
    {
        return process.request(pid, action, data, timeout);
    }

    @Override
    public CompletableFuture<Object> requestAgent(String action, Object data, Duration timeout)
    {
        return process.requestAgent(action, data, timeout);
    }

    /**
     * {@inheritDoc} A handler removed when the webapp stops, unless another has replaced it since.
     *
     * @throws IllegalStateException once the webapp has stopped
     */
    @Override
    public void handle(String action, RequestHandler handler)
    {
        register(() ->
        {
            process.handle(action, handler);
            return null;
        });
    }

    /**
     * {@inheritDoc} Removed when the webapp stops.
     *
     * @throws IllegalStateException once the webapp has stopped
     */
    @Override
    public MessageListener on(String action, MessageListener listener)
    {
        return register(() -> process.on(action, listener));
    }

    /**
     * {@inheritDoc} Removed when the webapp stops, if it has not had its message yet.
     *
     * @throws IllegalStateException once the webapp has stopped
     */
    @Override
    public MessageListener once(String action, MessageListener listener)
    {
        return register(() -> process.once(action, listener));
    }

    @Override
    public boolean off(String action, MessageListener listener)
    {
        return process.off(action, listener);
    }

    /**
     * {@inheritDoc} Not called once the webapp has stopped.
     *
     * @throws IllegalStateException once the webapp has stopped
     */
    @Override
    public void onEggReady(EggReadyListener listener)
    {
        register(() ->
        {
            process.onEggReady(m -> runHook(listener));
            return null;
        });
    }

    /**
     * Calls one of the webapp's egg-ready hooks, unless the webapp has stopped. What it throws is logged, naming this
     * process, the webapp, the hook and the exception, and goes no further: the webapp's other hooks still run.
     */
    void runHook(EggReadyListener hook)
    {
        if (closed)
            return;
        try
        {
            hook.onEggReady(this);
        }
        catch (Throwable x)
        {
            LOG.warn("{}: {}: the egg-ready hook {} failed: {}", process.self(), name, hook.getClass().getName(), x, x);
        }
    }

    @Override
    public boolean isEggReady()
    {
        return process.isEggReady();
    }

    @Override
    public EggProcess self()
    {
        return process.self();
    }

    @Override
    public int workerCount()
    {
        return process.workerCount();
    }

    @Override
    public List<Long> workerPids()
    {
        return process.workerPids();
    }

    @Override
    public long agentPid()
    {
        return process.agentPid();
    }

    @Override
    public String toString()
    {
        return "WebappMessenger[" + name + ", " + process + "]";
    }
}
