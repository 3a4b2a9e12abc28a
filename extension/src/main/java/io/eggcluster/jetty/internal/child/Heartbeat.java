package io.eggcluster.jetty.internal.child;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.eggcluster.jetty.internal.Control;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.component.Dumpable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the master, every {@code jetty.egg.heartbeatInterval}, that this child is alive ({@link Control#heartbeat}),
 * and only when it is: each heartbeat certifies that a probe task went through the two places where a child gets
 * stuck, since the last one. The probe is queued on the server's request thread pool, and from there runs where the
 * messenger dispatches messages to listeners ({@code ClusterMessenger.probe}: one frame at a time, under one lock).
 * A pool whose threads are all blocked, or a listener that never returns (a deadlock), holds the probe back, no
 * heartbeat goes out, and the master kills the child after {@code jetty.egg.heartbeatTimeout}. So does anything
 * that stops the whole JVM (endless garbage collection, SIGSTOP).
 *
 * <p>One probe is out at a time: at each tick, if the last probe has come through, a heartbeat is sent and a new
 * probe goes out; else nothing is sent (and, once the probe has waited half the timeout, a WARN names where it is
 * stuck). So the cost is one pool task and one uncontended lock a tick, and at most one pool thread is held by a
 * stuck messenger.</p>
 *
 * <p>Thread: {@code egg-heartbeat}, started by {@link #doStart} and ended by {@link #doStop}. It is woken, never
 * interrupted: an interrupt during the control channel's write would close the channel.</p>
 */
@ManagedObject("Sends the heartbeats of this child to the master, each after a probe went through its request pool and its messenger")
public class Heartbeat extends AbstractLifeCycle implements Dumpable
{
    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final String owner;
    private final long intervalNanos;
    private final long timeoutMs;
    private final Executor requests;
    private final Consumer<Runnable> dispatch;
    private final Runnable beat;
    /** Guards {@link #running}; the thread waits on it between ticks. */
    private final Object lock = new Object();
    private boolean running;
    private Thread thread;
    private volatile long beats;

    /**
     * @param owner this process ({@code role#id:pid}), for the log
     * @param intervalMs {@code jetty.egg.heartbeatInterval}
     * @param timeoutMs {@code jetty.egg.heartbeatTimeout}, after which the master kills a silent child: for the log
     * @param requests the server's request thread pool, where each probe is queued
     * @param dispatch runs a task where the messenger dispatches messages ({@code ClusterMessenger::probe})
     * @param beat sends one heartbeat line to the master
     */
    public Heartbeat(String owner, long intervalMs, long timeoutMs, Executor requests, Consumer<Runnable> dispatch,
                     Runnable beat)
    {
        this.owner = owner;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.timeoutMs = timeoutMs;
        this.requests = requests;
        this.dispatch = dispatch;
        this.beat = beat;
    }

    @Override
    protected void doStart() throws Exception
    {
        synchronized (lock)
        {
            running = true;
        }
        Thread ticker = new Thread(this::run, "egg-heartbeat");
        ticker.setDaemon(true);
        thread = ticker;
        ticker.start();
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        synchronized (lock)
        {
            running = false;
            lock.notifyAll();
        }
        Thread ticker = thread;
        thread = null;
        if (ticker != null && ticker != Thread.currentThread())
        {
            // a tick sends one line at most: it never takes long, and the probes it waits for run on other threads
            ticker.join(TimeUnit.NANOSECONDS.toMillis(intervalNanos) + 5000);
            if (ticker.isAlive())
                LOG.warn("{}: {} did not end within {} ms", owner, ticker.getName(),
                    TimeUnit.NANOSECONDS.toMillis(intervalNanos) + 5000);
        }
        super.doStop();
    }

    @ManagedAttribute("Heartbeats sent since this component started")
    public long getBeats()
    {
        return beats;
    }

    private void run()
    {
        Probe probe = null;
        boolean warned = false;
        long next = System.nanoTime();
        while (waitUntil(next))
        {
            // a tick that came late (the JVM paused) is not caught up with a burst
            next += intervalNanos;
            long now = System.nanoTime();
            if (next - now < 0)
                next = now + intervalNanos;
            if (probe != null && probe.stage == Probe.DONE)
            {
                beat.run();
                beats++;
                if (warned)
                    LOG.info("{} sends heartbeats again: its probe came through after {} ms", owner, probe.ageMs());
                warned = false;
                probe = null;
            }
            if (probe == null)
            {
                probe = new Probe();
                try
                {
                    requests.execute(probe);
                }
                catch (RejectedExecutionException e)
                {
                    // the pool refuses work (its queue is full, or it is stopping): no heartbeat until it takes some
                    LOG.debug("{}: the request thread pool refused the heartbeat's probe: {}", owner, e.toString());
                    probe = null;
                }
            }
            else if (!warned && probe.ageMs() >= timeoutMs / 2)
            {
                warned = true;
                LOG.warn("{} sends no heartbeat: its probe has waited {} ms {}; the master kills it after {} ms of " +
                    "silence (jetty.egg.heartbeatTimeout)", owner, probe.ageMs(), probe.where(), timeoutMs);
            }
        }
    }

    /**
     * @return false when stopped before {@code deadline} (a {@link System#nanoTime} value)
     */
    private boolean waitUntil(long deadline)
    {
        synchronized (lock)
        {
            while (running)
            {
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    return true;
                try
                {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                catch (InterruptedException e)
                {
                    // nothing interrupts this thread on purpose: go on until stopped
                    Thread.interrupted();
                }
            }
            return false;
        }
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        Dumpable.dumpObjects(out, indent, this + ": " + beats + " heartbeats sent, every " +
            TimeUnit.NANOSECONDS.toMillis(intervalNanos) + " ms");
    }

    @Override
    public String toString()
    {
        return "Heartbeat[" + owner + "]{" + getState() + "}";
    }

    /** One probe: queued on the request pool, then run where the messenger dispatches. */
    private final class Probe implements Runnable
    {
        static final int QUEUED = 0;
        static final int DISPATCH = 1;
        static final int DONE = 2;

        private final long created = System.nanoTime();
        volatile int stage = QUEUED;

        @Override
        public void run()
        {
            stage = DISPATCH;
            dispatch.accept(() -> stage = DONE);
        }

        long ageMs()
        {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created);
        }

        String where()
        {
            return stage == QUEUED ? "for a thread of the request thread pool (every thread busy or blocked)" :
                "for the messenger's dispatch (a message listener or request handler has not returned)";
        }
    }
}
