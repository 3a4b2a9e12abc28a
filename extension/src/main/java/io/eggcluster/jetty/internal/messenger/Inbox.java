package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.eggcluster.jetty.api.EggProcess;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives this process's messages: takes its slot's queue in the cluster, with acknowledgement, and the direct
 * copies that come over its loopback socket ({@link DirectReceiver}, a bean of this one) or from itself, and hands
 * each message to a {@link Dispatch}.
 *
 * <p><b>Contract.</b> Each frame is dispatched once, in order per origin, and acknowledged only after dispatch:</p>
 * <ul>
 *   <li><i>once</i>: a frame of an origin whose seq was dispatched already (from its other copy) is skipped;</li>
 *   <li><i>in order per origin</i>: an origin's frames are dispatched in seq order. A direct copy that comes before
 *       an earlier message of its origin (one that went through the queue only) waits ({@link EarlyCopies}) until
 *       that message comes, or is proven never to (a later queue copy of the origin; the origin's process gone and
 *       a take that began after that emptied the queue): never on a timer;</li>
 *   <li><i>acknowledged only after dispatch</i>: a batch taken from the queue is acknowledged (with the next take, or
 *       when this inbox stops) only once each of its frames was dispatched, or skipped as dispatched already,
 *       including a frame whose direct copy is being dispatched at that moment: its queue copy waits for that
 *       dispatch to end. A process that dies in the middle leaves the batch to the slot's next process.</li>
 * </ul>
 * <p>One frame is dispatched at a time, whichever thread it came on. A frame whose dispatch throws (anything, an
 * Error included) costs that frame, not the thread. {@link #doStop} stops dispatching: from then on no direct copy
 * is dispatched (the socket closes, its endpoint is withdrawn) and no batch is taken; the batch in hand is
 * dispatched and acknowledged within {@value #STOP_HANDLING_MS} ms, after which nothing is dispatched at all, and
 * what was not dispatched stays unacknowledged in the slot's hold, for the slot's next process.</p>
 *
 * <p>Threads, started by {@link #doStart} and ended by {@link #doStop}: {@code egg-messenger}, which calls
 * {@link Dispatch#opening}, opens the direct socket, then takes the queue; {@code egg-messenger-signals}, which calls
 * {@link Dispatch#signalled} after a {@link #signal}; and the {@link DirectReceiver}'s.</p>
 */
@ManagedObject("Receives this process's messages: its queue and its direct copies, each once and in order")
public final class Inbox extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);
    /** Messages per take, at most. */
    static final int BATCH = 1024;
    /** How long a take waits on the member for a message. */
    static final long POLL_MS = 500;
    /** How long a stop lets the taker finish the batch it has taken; the rest is left to the slot's next process. */
    static final long STOP_HANDLING_MS = 5000;
    /** How often a WARN says that direct copies still wait for the earlier messages of a live sender. */
    static final long HOLD_REPORT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Where the inbox hands what it receives. */
    interface Dispatch
    {
        /** Once, on the inbox's thread, when it starts: before it opens its socket or takes anything. */
        void opening();

        /**
         * One frame ({@link Frames}: the header, then the envelope), one at a time. What it throws costs the frame.
         */
        void dispatch(byte[] frame);

        /**
         * Something happened in the cluster ({@link #signal}): called after {@link #opening}, one at a time with
         * the frames, while frames are dispatched.
         */
        default void signalled()
        {
        }
    }

    private final EggProcess self;
    private final String ownSlot;
    private final Transport transport;
    private final Dispatch dispatch;
    private final int maxFrameBytes;
    /** Where this process takes direct copies: the member's address (loopback unless the cluster spans hosts). */
    private volatile String directHost = "127.0.0.1";
    /** Whether the taker takes more batches: false once {@link #doStop} began. */
    private volatile boolean taking = true;
    /** Whether frames are dispatched at all: false once {@link #doStop} is over; under {@link #dispatchLock}. */
    private boolean delivering = true;
    /** Whether direct copies are dispatched: false once {@link #doStop} began; under {@link #dispatchLock}. */
    private boolean directOpen = true;
    private Thread taker;
    private volatile DirectReceiver receiver;
    private volatile String endpoint;
    /** One frame is dispatched at a time, whether it came from the queue or directly. */
    private final Object dispatchLock = new Object();
    /** Origin to the seq of the last of its frames dispatched here; guarded by {@link #dispatchLock}. */
    private final Map<Long, Long> seen = new HashMap<>();
    /** Origin to the seq of the last of its frames whose dispatch has ended; written under {@link #dispatchLock}. */
    private final Map<Long, Long> done = new ConcurrentHashMap<>();
    /** Direct copies that came before an earlier message of their origin; guarded by {@link #dispatchLock}. */
    private final EarlyCopies early;
    /** Dispatches a direct copy that waited. */
    private final EarlyCopies.Dispatch dispatchEarly = (origin, seq, frame) -> accept(origin, seq, frame, true);
    /** Frames dispatched from their direct copy; guarded by {@link #dispatchLock}. */
    private long directDispatched;
    /** Frames dispatched from their queue copy; guarded by {@link #dispatchLock}. */
    private long queueDispatched;
    /** Takes that returned. */
    private volatile long takes;
    /** Runs {@link Dispatch#signalled}: started by {@link #doStart}, ended by {@link #doStop}. */
    private volatile ExecutorService signals;
    /** Whether a signal waits for its turn. */
    private final AtomicBoolean signalPending = new AtomicBoolean();
    /** Whether {@link Dispatch#opening} has returned: signals count from then on. */
    private volatile boolean opened;

    /**
     * @param self this process
     * @param ownSlot the slot whose queue it takes
     * @param maxFrameBytes the largest frame a direct connection may carry
     * @param holdReportNanos how often a WARN says that direct copies still wait for the earlier messages of a live
     *                        sender ({@link #HOLD_REPORT_NANOS} in a cluster)
     */
    Inbox(EggProcess self, String ownSlot, Transport transport, Dispatch dispatch, int maxFrameBytes,
          long holdReportNanos)
    {
        this.self = self;
        this.ownSlot = ownSlot;
        this.transport = transport;
        this.dispatch = dispatch;
        this.maxFrameBytes = maxFrameBytes;
        this.early = new EarlyCopies(self.toString(), holdReportNanos);
    }

    /** @param host the address this inbox listens on for direct copies (before it starts) */
    void setDirectHost(String host)
    {
        this.directHost = host;
    }

    @Override
    protected void doStart() throws Exception
    {
        signals = Executors.newSingleThreadExecutor(r ->
        {
            Thread thread = new Thread(r, "egg-messenger-signals");
            thread.setDaemon(true);
            return thread;
        });
        super.doStart();
        Thread thread = new Thread(this::consume, "egg-messenger");
        thread.setDaemon(true);
        taker = thread;
        thread.start();
    }

    @Override
    protected void doStop() throws Exception
    {
        taking = false;
        synchronized (dispatchLock)
        {
            directOpen = false;
        }
        closeReceiver();
        Thread thread = taker;
        if (thread != null && thread != Thread.currentThread())
        {
            try
            {
                thread.join(POLL_MS + STOP_HANDLING_MS);
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive())
                LOG.warn("{} is still handling its last messages after {} ms: what it has not handled is left to " +
                    "its successor", self, POLL_MS + STOP_HANDLING_MS);
        }
        ExecutorService executor = signals;
        if (executor != null)
            executor.shutdownNow();
        synchronized (dispatchLock)
        {
            delivering = false;
            LOG.debug("{} dispatched {} messages from their direct copy, {} from their queue copy; {} direct copies " +
                "came early", self, directDispatched, queueDispatched, early.held());
        }
        super.doStop();
    }

    /**
     * Runs {@code task} where messages are dispatched: under the lock that lets one frame at a time reach the
     * listeners, whichever thread it came on (the taker or a direct connection's). It runs on the calling thread once
     * no frame is being dispatched, so it waits as long as a listener or a request handler is running, and forever
     * for one that never returns (a deadlock): a liveness probe ({@code Heartbeat}). Before egg-ready and after a
     * stop nothing is dispatched, and it runs at once.
     */
    void probe(Runnable task)
    {
        synchronized (dispatchLock)
        {
            task.run();
        }
    }

    /** @return whether direct copies are taken now: the socket is open */
    boolean isDirectOpen()
    {
        return receiver != null;
    }

    /** Opens this process's direct socket and tells the others where it is; without it, the queue delivers. */
    private void openReceiver()
    {
        DirectReceiver opened;
        try
        {
            opened = new DirectReceiver(self.toString(), InetAddress.getByName(directHost), maxFrameBytes,
                frame -> receive(frame, true), DirectReceiver.HANDSHAKE_MS, DirectReceiver.MAX_CONNECTIONS);
            opened.start();
        }
        catch (Exception e)
        {
            LOG.warn("{}: no direct messages (its queue delivers everything): {}", self, e.toString());
            return;
        }
        synchronized (this)
        {
            // not once receiving has stopped: the endpoint would outlive it
            if (!taking)
            {
                stopQuietly(opened);
                return;
            }
            try
            {
                String published = opened.endpoint(self.pid());
                addBean(opened, true);
                receiver = opened;
                endpoint = published;
                transport.publishEndpoint(ownSlot, published);
            }
            catch (IOException | RuntimeException e)
            {
                LOG.warn("{}: no direct messages (its queue delivers everything): {}", self, e.toString());
            }
        }
    }

    private synchronized void closeReceiver()
    {
        DirectReceiver opened = receiver;
        if (opened == null)
            return;
        receiver = null;
        stopQuietly(opened);
        removeBean(opened);
        try
        {
            if (endpoint != null)
                transport.withdrawEndpoint(ownSlot, endpoint);
        }
        catch (RuntimeException e)
        {
            LOG.debug("{}: could not withdraw its direct endpoint: {}", self, e.toString());
        }
    }

    private static void stopQuietly(DirectReceiver receiver)
    {
        try
        {
            receiver.stop();
        }
        catch (Exception e)
        {
            LOG.debug("{}: closing anyway", receiver, e);
        }
    }

    /** The taker: takes this slot's queue, a batch at a time, and acknowledges each batch once it is dispatched. */
    private void consume()
    {
        try
        {
            dispatch.opening();
        }
        catch (Throwable x)
        {
            LOG.warn("{}: failed before taking its messages: {}", self, Frames.describe(x));
        }
        opened = true;
        // what happened while the hooks ran
        signal();
        openReceiver();
        // this taker's id, with every take: a batch is acknowledged only by the taker it was given to
        long taker = ThreadLocalRandom.current().nextLong();
        // the id of the last batch handled, which the next take acknowledges: 0 at first, so the first take gets
        // first what a predecessor in this slot took and never acknowledged. A failed take leaves it as it was: the
        // batch that take may have taken on the member comes with the next one, acknowledging again is harmless
        long handled = 0;
        boolean acknowledged = true;
        // the takes that returned, counted: what a take shows about the queue (emptied it) is proof only for the
        // direct copies of a sender seen gone before that take began
        long count = 0;
        while (taking)
        {
            Taken taken;
            try
            {
                taken = transport.take(ownSlot, taker, handled, BATCH, POLL_MS);
            }
            catch (InterruptedException e)
            {
                return;
            }
            catch (RuntimeException e)
            {
                if (!taking)
                    return;
                LOG.warn("{} cannot take its messages: {}", self, e.toString());
                sleepQuietly();
                continue;
            }
            takes = ++count;
            acknowledged = true;
            for (byte[] frame : taken.frames())
            {
                if (!handle(frame))
                {
                    // receiving stopped in the middle: the batch stays unacknowledged, for this slot's next process
                    LOG.info("{} stopped receiving in the middle of {} messages: they are left to its successor",
                        self, taken.frames().size());
                    return;
                }
            }
            releaseProven(count, taken.drained());
            if (taken.id() != 0)
            {
                handled = taken.id();
                acknowledged = false;
            }
        }
        if (acknowledged)
            return;
        try
        {
            transport.acknowledge(ownSlot, taker, handled);
        }
        catch (RuntimeException e)
        {
            LOG.warn("{} could not acknowledge its last messages, its successor may get them again: {}", self,
                e.toString());
        }
    }

    /**
     * @return false when receiving has stopped and the frame was not dispatched
     */
    private boolean handle(byte[] frame)
    {
        try
        {
            return receive(frame, false);
        }
        catch (Throwable x)
        {
            // whatever the handling of one frame throws, an Error included, costs that frame, not this thread
            Frames.logSkipped(LOG, String.valueOf(self), frame, x);
            return true;
        }
    }

    private static void sleepQuietly()
    {
        try
        {
            Thread.sleep(100);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A frame from the queue, or its direct copy: dispatched once, and in each origin's order. A queue frame is
     * dispatched unless its direct copy was; a direct frame when it is the next of its origin, else once the ones
     * before it have come from the queue (or are proven never to).
     *
     * @return false when the frame was refused because this inbox has stopped: it was not dispatched, nor marked as
     * dispatched
     */
    boolean receive(byte[] frame, boolean directly)
    {
        if (frame.length < Frames.HEADER)
        {
            LOG.warn("{} received a message it cannot decode ({} bytes)", self, frame.length);
            return true;
        }
        long origin = Frames.origin(frame);
        long seq = Frames.seq(frame);
        // a queue copy whose direct copy was handled is skipped without the lock (a seq once handled stays
        // handled), so the direct copies' thread does not wait for a taker that got preempted inside a batch. One
        // whose direct copy is being handled right now waits for the lock: the batch it came in is acknowledged
        // after it, so a crash in the middle of the handling leaves it to the replacement
        Long handled = done.get(origin);
        if (!directly && handled != null && seq <= handled)
            return true;
        synchronized (dispatchLock)
        {
            // a stopping process dispatches nothing its listeners may no longer see: the frame stays unhandled here,
            // and its queue copy, unacknowledged, goes to the slot's next process
            if (!delivering || (directly && !directOpen))
                return false;
            Long last = seen.get(origin);
            if (last != null && seq <= last)
                return true;
            if (directly && seq != (last == null ? 1 : last + 1))
            {
                // an earlier message of this origin has not come yet (it went through the queue only): wait for it
                early.hold(origin, seq, frame);
                return true;
            }
            if (!directly)
                early.beforeQueueCopy(origin, last, seq, dispatchEarly);
            accept(origin, seq, frame, directly);
            early.after(origin, seq, dispatchEarly);
        }
        return true;
    }

    /**
     * Something happened in the cluster (the workers changed): {@link Dispatch#signalled} runs soon on
     * {@code egg-messenger-signals}, one at a time with the frames, once for any number of signals that came while
     * it waited. Nothing before {@link Dispatch#opening} has returned (its own signal follows it) nor once this inbox
     * stops. Returns at once, on any thread.
     */
    void signal()
    {
        ExecutorService executor = signals;
        if (!opened || executor == null || !signalPending.compareAndSet(false, true))
            return;
        try
        {
            executor.execute(this::signalled);
        }
        catch (RejectedExecutionException stopping)
        {
            signalPending.set(false);
        }
    }

    private void signalled()
    {
        signalPending.set(false);
        synchronized (dispatchLock)
        {
            // receiving stopped: what listens may be going
            if (!delivering || !directOpen)
                return;
            try
            {
                dispatch.signalled();
            }
            catch (Throwable x)
            {
                LOG.warn("{}: could not tell its listeners of a change in the cluster: {}", self, Frames.describe(x));
            }
        }
    }

    /**
     * After a take: dispatches the direct copies whose missing predecessors are proven never to come (their sender
     * is gone and the take emptied the queue), and reports those still waiting. Never on a timer.
     */
    private void releaseProven(long take, boolean drained)
    {
        // usually nothing waits: then the lock, which the direct copies' threads take for every message, is not
        if (early.isEmpty())
            return;
        synchronized (dispatchLock)
        {
            if (delivering)
                early.afterTake(take, drained, this::gone, seen, dispatchEarly);
        }
    }

    /**
     * @return whether a sender's process has exited and the master has removed it from the registry: every process
     * of the cluster runs on the master's host (a cluster across hosts is refused), so its pid says whether it lives
     */
    private boolean gone(EggProcess sender)
    {
        return !transport.processes().containsValue(sender.pid()) &&
            ProcessHandle.of(sender.pid()).map(p -> !p.isAlive()).orElse(true);
    }

    /** Dispatches the next frame of an origin. Under {@link #dispatchLock}. */
    private void accept(long origin, long seq, byte[] frame, boolean directly)
    {
        seen.put(origin, seq);
        if (directly)
            directDispatched++;
        else
            queueDispatched++;
        dispatch.dispatch(frame);
        done.put(origin, seq);
    }

    @ManagedAttribute("Messages dispatched from their direct copy, ever")
    public long getDirectDispatched()
    {
        synchronized (dispatchLock)
        {
            return directDispatched;
        }
    }

    @ManagedAttribute("Messages dispatched from their queue copy, ever")
    public long getQueueDispatched()
    {
        synchronized (dispatchLock)
        {
            return queueDispatched;
        }
    }

    @ManagedAttribute("Direct copies that came before an earlier message of their sender, ever")
    public long getEarlyCopies()
    {
        synchronized (dispatchLock)
        {
            return early.held();
        }
    }

    @ManagedAttribute("Direct copies waiting now for an earlier message of their sender (held, never released on a timer)")
    public int getHoldsWaiting()
    {
        synchronized (dispatchLock)
        {
            return early.waiting();
        }
    }

    @ManagedAttribute("Takes of this process's queue that returned, ever")
    public long getTakes()
    {
        return takes;
    }

    @ManagedAttribute("Direct connections open from senders")
    public int getDirectLinks()
    {
        DirectReceiver opened = receiver;
        return opened == null ? 0 : opened.connections();
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        dumpObjects(out, indent, "slot " + ownSlot + ", takes " + getTakes() + ", dispatched " + getDirectDispatched() +
            " direct + " + getQueueDispatched() + " from the queue, early copies " + getEarlyCopies() + " (" +
            getHoldsWaiting() + " waiting now), direct endpoint " + (receiver == null || endpoint == null ? "none" :
            DirectReceiver.printable(endpoint)));
    }

    @Override
    public String toString()
    {
        return "Inbox[" + self + "]@" + Integer.toHexString(hashCode()) + "{" + getState() + "}";
    }
}
