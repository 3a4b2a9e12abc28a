package io.eggcluster.jetty.internal.child;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.Graceful;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's graceful drain: when its server stops (SIGTERM from the master, with {@code jetty.server.stopTimeout} =
 * {@code jetty.egg.stopTimeout}), Jetty's graceful shutdown calls {@link #shutdown} together with the connectors'.
 * This handler then
 * <ol>
 *   <li>closes the listening sockets first (as each connector's own shutdown does), so new connections go to the
 *   other workers sharing the port, and logs {@code draining};</li>
 *   <li>keeps serving: the request in flight completes, and a request that comes during the drain on a connection
 *   this worker already holds is served too, with {@code Connection: close} (set here for HTTP/1.x: Jetty's
 *   connection sends nothing persistent once its connector's own shutdown has begun, which may come a moment after
 *   this one's) and the connection is closed after it; idle
 *   connections are closed by the connectors' shutdown idle timeout (1 s by default,
 *   {@code jetty.graceful.shutdownIdleTimeout});</li>
 *   <li>completes its part of the shutdown when no request is in flight any more, and logs {@code drained}.</li>
 * </ol>
 *
 * <p>It takes the place of Jetty's {@link GracefulHandler} (the {@code graceful} module), which counts requests the
 * same way but answers every request that comes once it is shut down with a 503: a keep-alive client's next request
 * would fail although this worker can still serve it. The {@code GracefulHandler} stays in the handler tree, below
 * this one, so its start still applies {@code jetty.graceful.shutdownIdleTimeout} to the connectors, but requests
 * go around it, to its handler.</p>
 */
@ManagedObject("A worker's graceful drain: stop accepting, serve what comes on held connections, finish in-flight requests")
public class DrainHandler extends Handler.Wrapper implements Graceful
{
    private static final Logger LOG = LoggerFactory.getLogger(DrainHandler.class);

    private final String owner;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong servedDuringDrain = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final Shutdown shutdown = new Shutdown(this)
    {
        @Override
        public boolean isShutdownDone()
        {
            return inFlight.get() == 0;
        }
    };

    /**
     * @param owner this process ({@code role#id:pid}), for the log
     */
    public DrainHandler(String owner)
    {
        this.owner = owner;
    }

    /**
     * Puts a drain handler in place of each {@link GracefulHandler} of the server's handler tree (which stays, below
     * it, bypassed), or at the top of the tree when it has none. Before the server starts, and before any server
     * bean that must start after the handlers is added (a new top handler is the server's last bean so far).
     */
    public static DrainHandler install(Server server, String owner)
    {
        DrainHandler drain = new DrainHandler(owner);
        GracefulHandler graceful = server.getDescendant(GracefulHandler.class);
        if (graceful == null)
        {
            server.insertHandler(drain);
            return drain;
        }
        Handler.Singleton parent = server;
        while (parent.getHandler() != graceful)
        {
            if (!(parent.getHandler() instanceof Handler.Singleton next))
            {
                // the GracefulHandler is below a handler with several children: drain at the top instead
                server.insertHandler(drain);
                return drain;
            }
            parent = next;
        }
        parent.setHandler(drain);
        drain.setHandler(graceful);
        return drain;
    }

    @Override
    protected void doStart() throws Exception
    {
        shutdown.cancel();
        super.doStart();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        Handler next = getHandler();
        if (next instanceof GracefulHandler graceful)
            next = graceful.getHandler();
        if (next == null || !isStarted())
            return false;
        inFlight.incrementAndGet();
        if (shutdown.isShutdown())
        {
            servedDuringDrain.incrementAndGet();
            // the last response on this connection, whether the connector's own shutdown (which makes HTTP/1.1
            // responses non-persistent) has begun yet or not: the client reconnects, to another worker
            if (request.getConnectionMetaData().getHttpVersion().getVersion() < HttpVersion.HTTP_2.getVersion())
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        Tracked tracked = new Tracked(callback);
        return handle(next, request, response, tracked, tracked::end);
    }

    /**
     * Hands the request to {@code next} with a wrapped callback, and runs {@code ended} (once: the wrapper's own
     * guard) when the callback will never be called: {@code next} threw, or did not take the request.
     */
    static boolean handle(Handler next, Request request, Response response, Callback wrapped, Runnable ended)
        throws Exception
    {
        boolean handled;
        try
        {
            handled = next.handle(request, response, wrapped);
        }
        catch (Throwable x)
        {
            ended.run();
            throw x;
        }
        if (!handled)
            ended.run();
        return handled;
    }

    @Override
    public CompletableFuture<Void> shutdown()
    {
        List<String> closed = new ArrayList<>();
        Server server = getServer();
        if (server != null)
        {
            for (Connector connector : server.getConnectors())
            {
                if (connector instanceof NetworkConnector network)
                {
                    // what the connector's own graceful shutdown does first; closing twice is harmless
                    closed.add(network.getHost() + ":" +
                        (network.getLocalPort() > 0 ? network.getLocalPort() : network.getPort()));
                    network.close();
                }
            }
        }
        long started = System.nanoTime();
        LOG.info("{} draining: stopped accepting connections on {}; {} request(s) in flight, given {} ms " +
            "(jetty.egg.stopTimeout)", owner, closed, inFlight.get(), server == null ? 0 : server.getStopTimeout());
        CompletableFuture<Void> done = shutdown.shutdown();
        done.thenRun(() -> LOG.info("{} drained: no request in flight after {} ms; {} request(s) came on held " +
            "connections during the drain and were served", owner,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), servedDuringDrain.get()));
        return done;
    }

    @Override
    public boolean isShutdown()
    {
        return shutdown.isShutdown();
    }

    @ManagedAttribute("Requests in flight")
    public long getInFlight()
    {
        return inFlight.get();
    }

    @ManagedAttribute("Requests that came on held connections during the drain, and were served")
    public long getServedDuringDrain()
    {
        return servedDuringDrain.get();
    }

    @Override
    public String toString()
    {
        return "DrainHandler[" + owner + "]{" + getState() + ", in flight " + inFlight.get() + "}";
    }

    /** @return the requests this worker has completed (answered, failed, or not taken by any handler) */
    @ManagedAttribute("Requests completed, ever")
    public long getCompleted()
    {
        return completed.sum();
    }

    /** Ends its request once, however it ends. */
    private final class Tracked extends Callback.Nested
    {
        private static final AtomicIntegerFieldUpdater<Tracked> ENDED =
            AtomicIntegerFieldUpdater.newUpdater(Tracked.class, "ended");
        private volatile int ended;

        Tracked(Callback callback)
        {
            super(callback);
        }

        @Override
        public void completed()
        {
            end();
        }

        void end()
        {
            if (!ENDED.compareAndSet(this, 0, 1))
                return;
            completed.increment();
            if (inFlight.decrementAndGet() == 0 && shutdown.isShutdown())
                shutdown.check();
        }
    }
}
