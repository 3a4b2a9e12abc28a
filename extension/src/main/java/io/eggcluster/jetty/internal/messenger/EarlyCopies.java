package io.eggcluster.jetty.internal.messenger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.eggcluster.jetty.api.EggProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The direct copies that came before an earlier message of their origin (one that went through the queue only, whose
 * queue copy has not come yet), held per origin in seq order until that message comes, or until it is proven never
 * to come. Never released on a timer: a queue copy may be slow (10,000 messages ahead of it in the slot) and its
 * sender alive, and releasing would deliver out of order, then drop the late message as already seen.
 *
 * <p>The proofs that the missing messages never reached the queue:</p>
 * <ul>
 *   <li>a later queue copy of the same origin ({@link #beforeQueueCopy}): each origin's queue copies reach a slot
 *       in the order sent (one sender thread hands them over in order, the queue is FIFO, a batch not acknowledged
 *       is given again before anything newer), so a queue copy with a higher seq means those before it that have
 *       not come will not;</li>
 *   <li>the sender gone, and its hand-over finished ({@link #afterTake}): its process has exited (every process of a
 *       cluster runs on its master's host, so its pid says so) and the master has removed it from the registry;
 *       then a take that started after that and emptied the slot's queue ({@link Taken#drained}) proves that
 *       nothing it handed over is still to come.</li>
 * </ul>
 * <p>While a sender is alive its copies wait, and a WARN says so every report interval, with counts. At most
 * {@value #MAX_FRAMES} copies or {@value #MAX_BYTES} bytes wait per origin; copies beyond that are not kept (their
 * queue copies deliver them, unless their sender died before handing them over: the release says how many).</p>
 *
 * <p>Part of the {@link Inbox}'s once-and-in-order state; used under its dispatch lock, but for {@link #isEmpty}.</p>
 */
final class EarlyCopies
{
    private static final Logger LOG = LoggerFactory.getLogger(EarlyCopies.class);
    static final int MAX_FRAMES = 4096;
    static final long MAX_BYTES = 16 << 20;

    /** Dispatches the next frame of an origin (and marks it seen). */
    interface Dispatch
    {
        void accept(long origin, long seq, byte[] frame);
    }

    private static final class Origin
    {
        /** Whom the copies are from; null when the first one could not be decoded (then it is never taken for gone). */
        final EggProcess sender;
        final TreeMap<Long, byte[]> frames = new TreeMap<>();
        long bytes;
        /** Copies not kept, beyond the bounds. */
        long dropped;
        final long since = System.nanoTime();
        long reportedAt = since;
        /** The take after which the sender was first seen gone; -1 while it is not. */
        long goneAfterTake = -1;

        Origin(EggProcess sender)
        {
            this.sender = sender;
        }
    }

    private final String owner;
    private final long reportNanos;
    private final Map<Long, Origin> origins = new HashMap<>();
    /** Whether no copy waits: read without the lock, so that a take looks at nothing when nothing waits. */
    private volatile boolean empty = true;
    /** Direct copies held, ever. */
    private long held;

    /**
     * @param owner the receiving process, for messages
     * @param reportNanos how often a WARN says that copies still wait for a live sender
     */
    EarlyCopies(String owner, long reportNanos)
    {
        this.owner = owner;
        this.reportNanos = reportNanos;
    }

    boolean isEmpty()
    {
        return empty;
    }

    /** How many direct copies came early, ever. */
    long held()
    {
        return held;
    }

    /** How many direct copies wait now. */
    int waiting()
    {
        int waiting = 0;
        for (Origin origin : origins.values())
            waiting += origin.frames.size();
        return waiting;
    }

    /** Holds a direct copy whose origin's earlier messages have not all come. */
    void hold(long origin, long seq, byte[] frame)
    {
        held++;
        Origin waiting = origins.computeIfAbsent(origin, o -> new Origin(senderOf(frame)));
        empty = false;
        if (waiting.frames.containsKey(seq))
            return;
        if (waiting.frames.size() >= MAX_FRAMES || (!waiting.frames.isEmpty() && waiting.bytes + frame.length > MAX_BYTES))
        {
            waiting.dropped++;
            return;
        }
        waiting.frames.put(seq, frame);
        waiting.bytes += frame.length;
    }

    private static EggProcess senderOf(byte[] frame)
    {
        try
        {
            return Envelope.decode(frame, Frames.HEADER).sender();
        }
        catch (RuntimeException e)
        {
            return null;
        }
    }

    /**
     * A queue copy of an origin is about to be dispatched: the held copies before it go first, in order. Queue
     * copies come in the order sent, so a message before it that has not come never reached the queue.
     *
     * @param last the seq of the origin's frame dispatched last, or null
     */
    void beforeQueueCopy(long origin, Long last, long seq, Dispatch dispatch)
    {
        Origin waiting = origins.get(origin);
        if (waiting == null)
            return;
        Long before = last;
        while (!waiting.frames.isEmpty() && waiting.frames.firstKey() < seq)
        {
            Entry<Long, byte[]> next = waiting.frames.pollFirstEntry();
            waiting.bytes -= next.getValue().length;
            neverCame(waiting, before, next.getKey());
            dispatch.accept(origin, next.getKey(), next.getValue());
            before = next.getKey();
        }
        neverCame(waiting, before, seq);
        forgetIfDone(origin, waiting);
    }

    /** Says which messages never reached the queue, when some did not (a later one did). */
    private void neverCame(Origin waiting, Long last, long next)
    {
        if (last != null && next > last + 1)
            LOG.warn("{}: {} from {} never reached its queue (a later one did): going on without it", owner,
                range(last, next), waiting.sender);
    }

    /** The messages between {@code last} (exclusive; null for unknown) and {@code next} (exclusive), for logs. */
    private static String range(Long last, long next)
    {
        return last == null ? "the messages before " + next : last + 1 == next - 1 ? "message " + (next - 1) :
            "messages " + (last + 1) + " to " + (next - 1);
    }

    /**
     * The origin's frame {@code seq} was dispatched: the held copies up to it are not needed, those that follow it
     * without a gap go now.
     */
    void after(long origin, long seq, Dispatch dispatch)
    {
        Origin waiting = origins.get(origin);
        if (waiting == null)
            return;
        while (!waiting.frames.isEmpty() && waiting.frames.firstKey() <= seq + 1)
        {
            Entry<Long, byte[]> next = waiting.frames.pollFirstEntry();
            waiting.bytes -= next.getValue().length;
            if (next.getKey() == seq + 1)
            {
                seq = next.getKey();
                dispatch.accept(origin, seq, next.getValue());
            }
        }
        forgetIfDone(origin, waiting);
    }

    private void forgetIfDone(long origin, Origin waiting)
    {
        if (!waiting.frames.isEmpty())
            return;
        if (waiting.dropped > 0)
            LOG.debug("{}: {} direct copies from {} were not kept while they waited (their queue copies came)", owner,
                waiting.dropped, waiting.sender);
        origins.remove(origin);
        empty = origins.isEmpty();
    }

    /**
     * After a take of this process's queue (and the handling of what it returned): releases the copies of senders
     * proven gone with their hand-over finished, in order; notes senders newly gone; reports copies still waiting
     * for a live sender, once a report interval.
     *
     * @param take the number of the take, counting from 1
     * @param drained whether that take emptied the queue ({@link Taken#drained})
     * @param gone whether a sender's process has exited and left the registry
     * @param seen each origin's seq dispatched last
     */
    void afterTake(long take, boolean drained, Predicate<EggProcess> gone, Map<Long, Long> seen, Dispatch dispatch)
    {
        long now = System.nanoTime();
        for (Long origin : List.copyOf(origins.keySet()))
        {
            Origin waiting = origins.get(origin);
            if (waiting.goneAfterTake >= 0 && drained && take > waiting.goneAfterTake)
            {
                release(origin, waiting, seen.get(origin), dispatch);
                continue;
            }
            if (waiting.goneAfterTake < 0 && waiting.sender != null && gone.test(waiting.sender))
            {
                // what it handed over is in the queue now, or in a batch taken already: the next take that empties
                // the queue proves it has all come
                waiting.goneAfterTake = take;
                continue;
            }
            if (now - waiting.reportedAt >= reportNanos)
            {
                waiting.reportedAt = now;
                LOG.warn("{}: {} direct message(s) from {} have waited {} s for {}, which has not come " +
                    "through the queue ({}): they are delivered once those come, or once that process is gone and " +
                    "its queue copies are all in", owner, waiting.frames.size(), waiting.sender,
                    TimeUnit.NANOSECONDS.toSeconds(now - waiting.since), range(seen.get(origin), waiting.frames.firstKey()),
                    waiting.goneAfterTake < 0 ? "its process is alive" : "its process is gone, its queue not empty yet");
            }
        }
    }

    private void release(long origin, Origin waiting, Long last, Dispatch dispatch)
    {
        LOG.warn("{}: {} is gone and everything it handed to the cluster has come: delivering the {} direct " +
            "message(s) from it that waited for {}, which never reached this process{}", owner,
            waiting.sender, waiting.frames.size(), range(last, waiting.frames.firstKey()), waiting.dropped == 0 ? "" :
            " (" + waiting.dropped + " more were not kept while they waited, and are lost)");
        while (!waiting.frames.isEmpty())
        {
            Entry<Long, byte[]> next = waiting.frames.pollFirstEntry();
            dispatch.accept(origin, next.getKey(), next.getValue());
        }
        origins.remove(origin);
        empty = origins.isEmpty();
    }
}
