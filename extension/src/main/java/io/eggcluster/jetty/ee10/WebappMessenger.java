package io.eggcluster.jetty.ee10;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.MessageListener;
import io.eggcluster.jetty.api.Messenger;

/**
 * The messenger as one webapp sees it: the process's messenger, but what the webapp registers (listeners, request
 * handlers, egg-ready hooks) is removed when the webapp stops, so a redeployed or undeployed webapp leaves nothing
 * behind that would call into it.
 */
final class WebappMessenger implements Messenger
{
    private final Messenger process;
    private final Map<MessageListener, String> listeners = new ConcurrentHashMap<>();
    private final Set<String> handled = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    WebappMessenger(Messenger process)
    {
        this.process = process;
    }

    /** The webapp stopped: unregister everything it registered. */
    void close()
    {
        closed = true;
        listeners.forEach((listener, action) -> process.off(action, listener));
        listeners.clear();
        handled.forEach(action -> process.handle(action, null));
        handled.clear();
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

    @Override
    public void handle(String action, RequestHandler handler)
    {
        process.handle(action, handler);
        if (handler == null)
            handled.remove(action);
        else
            handled.add(action);
    }

    @Override
    public MessageListener on(String action, MessageListener listener)
    {
        process.on(action, listener);
        listeners.put(listener, action);
        return listener;
    }

    @Override
    public MessageListener once(String action, MessageListener listener)
    {
        process.once(action, listener);
        listeners.put(listener, action);
        return listener;
    }

    @Override
    public boolean off(String action, MessageListener listener)
    {
        listeners.remove(listener, action);
        return process.off(action, listener);
    }

    @Override
    public void onEggReady(EggReadyListener listener)
    {
        process.onEggReady(m ->
        {
            if (!closed)
                listener.onEggReady(this);
        });
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
        return "WebappMessenger[" + process + "]";
    }
}
