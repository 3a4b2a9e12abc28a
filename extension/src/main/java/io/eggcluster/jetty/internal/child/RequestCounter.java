package io.eggcluster.jetty.internal.child;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.EggSettings;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jetty.egg.maxRequests}: counts the requests this worker completed and, when the count reaches its threshold
 * ({@code maxRequests} plus a random 0..{@code maxRequestsJitter} drawn once, when the worker starts, so that workers
 * started together are not all replaced together), asks the master once to replace it ({@link Control#recycle}). The
 * worker goes on serving normally: the master starts the replacement first, then stops this one gracefully.
 *
 * <p>The top handler of the worker's server (inserted when the worker is configured, from {@code egg-cluster.xml},
 * and only when {@code maxRequests > 0}), so it counts every request, including those an inner handler answers by
 * itself or that no context takes (404). A
 * request counts when its callback completes, succeeded or failed, or when no handler took it; one that failed in
 * the handler counts too: they all wear the worker alike. Costs one small callback object and two atomic operations
 * a request, the same as Jetty's {@code GracefulHandler}; a connection or channel listener would see
 * requests only per connection (HTTP/2 multiplexes) and needs more wiring, for nothing more.</p>
 */
@ManagedObject("Counts the requests a worker completed; asks the master to replace it at jetty.egg.maxRequests")
public class RequestCounter extends Handler.Wrapper
{
    private static final Logger LOG = LoggerFactory.getLogger(RequestCounter.class);

    private final String owner;
    private final int maxRequests;
    private final int jitter;
    private final long threshold;
    private final Consumer<String> recycle;
    private final AtomicLong completed = new AtomicLong();

    /**
     * @param owner this process ({@code role#id:pid}), for the log
     * @param maxRequests {@code jetty.egg.maxRequests}, at least 1
     * @param jitter the random 0..{@code jetty.egg.maxRequestsJitter} this worker drew
     * @param recycle sends a {@link Control#recycle} line to the master, with the reason given
     */
    public RequestCounter(String owner, int maxRequests, int jitter, Consumer<String> recycle)
    {
        if (maxRequests <= 0 || jitter < 0)
            throw new IllegalArgumentException("maxRequests " + maxRequests + " must be positive, jitter " + jitter +
                " not negative");
        this.owner = owner;
        this.maxRequests = maxRequests;
        this.jitter = jitter;
        this.threshold = (long)maxRequests + jitter;
        this.recycle = recycle;
    }

    /**
     * With {@code jetty.egg.maxRequests} set, puts a counter at the top of the server's handler tree, its jitter drawn
     * now; without, does nothing (no counting at all). Before the server starts, and before any server bean that
     * must start after the handlers is added (the new handler is the server's last bean so far).
     *
     * @param recycle sends a {@link Control#recycle} line to the master, with the reason given
     * @return the counter, or null when {@code maxRequests} is 0
     */
    public static RequestCounter install(Server server, String owner, EggSettings.Health health,
                                         Consumer<String> recycle)
    {
        if (health.maxRequests() <= 0)
            return null;
        int jitter = (int)ThreadLocalRandom.current().nextLong(health.maxRequestsJitter() + 1L);
        RequestCounter counter = new RequestCounter(owner, health.maxRequests(), jitter, recycle);
        server.insertHandler(counter);
        LOG.info("{} asks to be replaced after {} requests (jetty.egg.maxRequests={}, jitter {})", owner,
            counter.threshold, health.maxRequests(), jitter);
        return counter;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        Handler next = getHandler();
        if (next == null)
            return false;
        Counted counted = new Counted(callback);
        return DrainHandler.handle(next, request, response, counted, counted::count);
    }

    @ManagedAttribute("Requests completed")
    public long getCompleted()
    {
        return completed.get();
    }

    @ManagedAttribute("Requests after which this worker asks to be replaced: jetty.egg.maxRequests plus its jitter")
    public long getThreshold()
    {
        return threshold;
    }

    private void completed()
    {
        // exactly one request brings the count to the threshold: the request line goes out once
        if (completed.incrementAndGet() == threshold)
        {
            String reason = "served " + threshold + " requests (jetty.egg.maxRequests=" + maxRequests + ", jitter " +
                jitter + ")";
            LOG.info("{} {}: asking the master for a replacement", owner, reason);
            recycle.accept(reason);
        }
    }

    @Override
    public String toString()
    {
        return "RequestCounter[" + owner + "]{" + completed.get() + "/" + threshold + "}";
    }

    /** Counts its request once, however it ends. */
    private final class Counted extends Callback.Nested
    {
        private static final AtomicIntegerFieldUpdater<Counted> DONE =
            AtomicIntegerFieldUpdater.newUpdater(Counted.class, "done");
        private volatile int done;

        Counted(Callback callback)
        {
            super(callback);
        }

        // counted before the request's completion goes on (a handler completes its callback once its last write
        // is done, so a client may have read the response a moment before)
        @Override
        public void succeeded()
        {
            count();
            super.succeeded();
        }

        @Override
        public void failed(Throwable x)
        {
            count();
            super.failed(x);
        }

        void count()
        {
            if (DONE.compareAndSet(this, 0, 1))
                RequestCounter.this.completed();
        }
    }
}
