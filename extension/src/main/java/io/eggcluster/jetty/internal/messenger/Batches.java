package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Taking the slots' messages with acknowledgement, where the queues and the batches taken and not yet acknowledged
 * live together: in one JVM ({@link LocalTransport}), or on the Hazelcast member that owns the queues, one instance
 * in its user context ({@link HazelcastSetup#member}) that every {@link DrainTask} uses. A batch is recorded as taken
 * in the same step that takes it, and forgotten when its taker acknowledges it.
 *
 * <p>Takes of one slot run one at a time: a take that failed on its taker's side may still be polling here when the
 * taker retries, and two takes at once would each record a batch where only one can be kept. Each batch has an id,
 * and is acknowledged only by the taker it was last given to, naming that id: a stale take (a taker's earlier
 * incarnation, a take whose answer never arrived) can neither acknowledge nor replace another's batch. A batch not
 * acknowledged goes, before anything newer, to the next take of its slot, whoever takes (at least once: a taker that
 * died in the middle of a batch, or whose answer was lost, gets nothing twice only if it acknowledged).</p>
 */
final class Batches
{
    private static final Logger LOG = LoggerFactory.getLogger(Batches.class);

    /** The batch a slot's last take returned, not acknowledged yet, and whom it was given to. */
    private record Held(long id, long taker, ArrayList<byte[]> frames)
    {
    }

    /** One slot's takes, one at a time. */
    private static final class Slot
    {
        final ReentrantLock taking = new ReentrantLock();
        /** Guarded by {@link #taking}. */
        long lastId;
        /** Guarded by {@link #taking}. */
        Held held;
    }

    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    /**
     * Acknowledges the batch this taker handled last, then takes the next: the batch not acknowledged if there is
     * one, else up to {@code max} messages of the queue (what is there already, in one call; else the next message
     * to come within {@code waitMs}, alone, so a message for an idle receiver travels at once).
     *
     * @param taker the id of the taking consumer (one per consumer, so a batch it did not take is not its to
     *              acknowledge)
     * @param acknowledged the id of the batch the taker has handled, or 0
     * @param max the most messages to take; 0 only acknowledges
     */
    Taken take(BlockingQueue<byte[]> queue, String slot, long taker, long acknowledged, int max, long waitMs)
        throws InterruptedException
    {
        Slot state = slots.computeIfAbsent(slot, s -> new Slot());
        state.taking.lockInterruptibly();
        try
        {
            Held held = state.held;
            if (held != null)
            {
                if (held.taker() == taker && held.id() == acknowledged)
                    state.held = null;
                else if (max == 0)
                    return Taken.NONE; // acknowledges a batch that is not, or no longer, this taker's: nothing to do
                else
                {
                    // its taker died in the middle of it, or its answer never reached the taker: it goes again,
                    // before anything newer, and is now this taker's to acknowledge
                    if (held.taker() != taker)
                        LOG.info("{}: {} message(s) an earlier taker took and did not acknowledge go to the next",
                            slot, held.frames().size());
                    state.held = new Held(held.id(), taker, held.frames());
                    return new Taken(held.id(), held.frames(), false);
                }
            }
            if (max == 0)
                return Taken.NONE;
            ArrayList<byte[]> batch = new ArrayList<>();
            // fewer than asked for: the queue is empty now
            boolean drained = queue.drainTo(batch, max) < max;
            if (batch.isEmpty())
            {
                byte[] next = queue.poll(waitMs, TimeUnit.MILLISECONDS);
                if (next == null)
                    return Taken.NOTHING;
                batch.add(next);
                drained = false;
            }
            long id = ++state.lastId;
            state.held = new Held(id, taker, batch);
            return new Taken(id, batch, drained);
        }
        finally
        {
            state.taking.unlock();
        }
    }
}
