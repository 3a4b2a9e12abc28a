package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slots' holds, where their queues are: in one JVM ({@link LocalTransport}), or on the Hazelcast member that
 * owns the queues, one instance in its user context ({@link HazelcastSetup#member}) that every {@link OfferTask} and
 * {@link DrainTask} uses. Messages come in with {@link #offer} and go out with {@link #take}, with acknowledgement.
 *
 * <p><b>Bytes.</b> Each slot holds at most {@code maxBytes} bytes of frames: those in its queue, those a take drained
 * and has not given out yet, and the batch taken and not acknowledged (all of them are in this JVM's heap). The
 * account is kept here, next to the queue, because every hand-over and every acknowledgement of the slot passes
 * here: hand-overs of one slot run one at a time, each asks for room and adds in one step, so the bound holds
 * whatever the number of senders (an account kept by each sender could not see the others). A hand-over that finds
 * too little room adds what fits, from the first message, and says which bound refused the next. A take returns at
 * most {@value #TAKE_BYTES} bytes (and at least one message): it is held in the heap twice while it is sent.</p>
 *
 * <p><b>Takes.</b> Takes of one slot run one at a time: a take that failed on its taker's side may still be polling
 * here when the taker retries, and two takes at once would each record a batch where only one can be kept. Each
 * batch has an id, and is acknowledged only by the taker it was last given to, naming that id: a stale take (a
 * taker's earlier incarnation, a take whose answer never arrived) can neither acknowledge nor replace another's
 * batch. A batch not acknowledged goes, before anything newer, to the next take of its slot, whoever takes (at
 * least once). A batch is recorded as taken in the same step that takes it, and forgotten (its bytes with it) when
 * its taker acknowledges it.</p>
 *
 * <p><b>Retired slots.</b> A worker slot removed from the cluster (it scaled down) is retired once its process has
 * exited ({@link #retire}): everything it holds is given to the caller, and from then on a hand-over to it adds
 * nothing and returns {@link #RETIRED}, so that its caller deals with those frames too ({@link SlotRetirement}),
 * until the slot is reopened ({@link #reopenUpTo}: the cluster grew again). The holds also add frames of their own
 * ({@link #offerOwn}: a message moved from a retired slot, a request's failure), with their own origin.</p>
 */
final class Batches
{
    private static final Logger LOG = LoggerFactory.getLogger(Batches.class);
    /** The most bytes of frames one take returns, unless its first frame alone is larger. */
    static final int TAKE_BYTES = 8 << 20;

    /** The batch a slot's last take returned, not acknowledged yet, and whom it was given to. */
    private record Held(long id, long taker, ArrayList<byte[]> frames, long bytes)
    {
    }

    /** One slot: its account, its hand-overs one at a time, its takes one at a time. */
    private static final class Slot
    {
        final Object adding = new Object();
        final ReentrantLock taking = new ReentrantLock();
        /** Bytes held for the slot; guarded by {@link #adding}. */
        long bytes;
        /** Guarded by {@link #taking}. */
        long lastId;
        /** Guarded by {@link #taking}. */
        Held held;
        /** Frames a take drained from the queue beyond its byte cap, oldest first: the next take's first; under {@link #taking}. */
        final ArrayDeque<byte[]> carried = new ArrayDeque<>();
        /** Whether the slot is retired: hand-overs add nothing; guarded by {@link #adding}. */
        boolean retired;
        /** The seq of the last frame of the holds' own origin added to this slot; guarded by {@link #adding}. */
        long ownSeq;
    }

    /** What {@link #offer} returns for a retired slot: nothing was added, the caller deals with the frames. */
    static final Offered RETIRED = new Offered(0, "the slot is retired");

    private final long maxBytes;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    /** The origin of the frames the holds make themselves ({@link #offerOwn}), in their receivers' eyes a sender. */
    private final long origin = java.util.concurrent.ThreadLocalRandom.current().nextLong();

    /**
     * @param maxBytes the most bytes of frames each slot holds ({@code jetty.egg.queueBytes})
     */
    Batches(long maxBytes)
    {
        this.maxBytes = maxBytes;
    }

    private Slot slot(String name)
    {
        return slots.computeIfAbsent(name, s -> new Slot());
    }

    /**
     * Adds frames to a slot's queue, in order, as many as its room in messages and in bytes allows.
     *
     * @return how many were added and what refused the next; {@link #RETIRED} (compare by identity) when the slot is
     * retired and none was
     */
    Offered offer(BlockingQueue<byte[]> queue, String slot, List<byte[]> frames)
    {
        Slot state = slot(slot);
        synchronized (state.adding)
        {
            if (state.retired)
                return RETIRED;
            int room = queue.remainingCapacity();
            int count = 0;
            long bytes = 0;
            while (count < frames.size() && count < room && state.bytes + bytes + frames.get(count).length <= maxBytes)
                bytes += frames.get(count++).length;
            if (count > 0)
            {
                queue.addAll(count == frames.size() ? frames : frames.subList(0, count));
                state.bytes += bytes;
            }
            if (count == frames.size())
                return new Offered(count, null);
            if (count == room)
                return new Offered(count, "jetty.egg.queueCapacity=" + (queue.size() + queue.remainingCapacity()) +
                    " messages held");
            return new Offered(count, "jetty.egg.queueBytes=" + maxBytes + ": " + state.bytes + " bytes held, the " +
                "next message has " + frames.get(count).length);
        }
    }

    /**
     * Adds one envelope the holds made themselves (or moved here from a retired slot), framed with their own origin
     * and the slot's next seq for it, so that its receiver neither takes it for another sender's nor skips it.
     *
     * @return whether it was added: false when the slot has no room, in messages or in bytes, or is retired
     */
    boolean offerOwn(BlockingQueue<byte[]> queue, String slot, byte[] envelope)
    {
        Slot state = slot(slot);
        synchronized (state.adding)
        {
            byte[] frame = Frames.frame(origin, state.ownSeq + 1, envelope);
            if (state.retired || state.bytes + frame.length > maxBytes || !queue.offer(frame))
                return false;
            state.ownSeq++;
            state.bytes += frame.length;
            return true;
        }
    }

    /**
     * Retires a slot whose process has exited: from now on a hand-over to it adds nothing ({@link #RETIRED}). Waits
     * for a take of it in progress (a take whose taker is gone polls up to its wait).
     *
     * @return everything the slot held, oldest first: the batch taken and not acknowledged, what a take carried
     * beyond its bytes, the queue
     */
    List<byte[]> retire(BlockingQueue<byte[]> queue, String slot)
    {
        Slot state = slot(slot);
        state.taking.lock();
        try
        {
            synchronized (state.adding)
            {
                state.retired = true;
                List<byte[]> left = new ArrayList<>();
                if (state.held != null)
                    left.addAll(state.held.frames());
                state.held = null;
                left.addAll(state.carried);
                state.carried.clear();
                queue.drainTo(left);
                state.bytes = 0;
                return left;
            }
        }
        finally
        {
            state.taking.unlock();
        }
    }

    /** Reopens the retired worker slots 1..{@code count}: the cluster has that many workers again. */
    void reopenUpTo(int count)
    {
        for (int id = 1; id <= count; id++)
        {
            Slot state = slots.get(Transport.workerSlot(id));
            if (state != null)
            {
                synchronized (state.adding)
                {
                    state.retired = false;
                }
            }
        }
    }

    /** @return whether the slot is retired */
    boolean isRetired(String slot)
    {
        Slot state = slots.get(slot);
        if (state == null)
            return false;
        synchronized (state.adding)
        {
            return state.retired;
        }
    }

    private void release(Slot state, long bytes)
    {
        synchronized (state.adding)
        {
            state.bytes -= bytes;
        }
    }

    /**
     * @return the bytes a slot holds now
     */
    long heldBytes(String slot)
    {
        Slot state = slot(slot);
        synchronized (state.adding)
        {
            return state.bytes;
        }
    }

    /**
     * Acknowledges the batch this taker handled last, then takes the next: the batch not acknowledged if there is
     * one, else up to {@code max} messages and about {@value #TAKE_BYTES} bytes (what is there already, in one call;
     * else the next message to come within {@code waitMs}, alone, so a message for an idle receiver travels at once).
     *
     * @param taker the id of the taking consumer (one per consumer, so a batch it did not take is not its to
     *              acknowledge)
     * @param acknowledged the id of the batch the taker has handled, or 0
     * @param max the most messages to take; 0 only acknowledges
     */
    Taken take(BlockingQueue<byte[]> queue, String slot, long taker, long acknowledged, int max, long waitMs)
        throws InterruptedException
    {
        Slot state = slot(slot);
        state.taking.lockInterruptibly();
        try
        {
            Held held = state.held;
            if (held != null)
            {
                if (held.taker() == taker && held.id() == acknowledged)
                {
                    state.held = null;
                    release(state, held.bytes());
                }
                else if (max == 0)
                    return Taken.NONE; // acknowledges a batch that is not, or no longer, this taker's: nothing to do
                else
                {
                    // its taker died in the middle of it, or its answer never reached the taker: it goes again,
                    // before anything newer, and is now this taker's to acknowledge
                    if (held.taker() != taker)
                        LOG.info("{}: {} message(s) an earlier taker took and did not acknowledge go to the next",
                            slot, held.frames().size());
                    state.held = new Held(held.id(), taker, held.frames(), held.bytes());
                    return new Taken(held.id(), held.frames(), false);
                }
            }
            if (max == 0)
                return Taken.NONE;
            ArrayList<byte[]> batch = new ArrayList<>();
            long bytes = fill(batch, state.carried, max, 0);
            boolean drained = false;
            if (state.carried.isEmpty() && batch.size() < max)
            {
                ArrayDeque<byte[]> drainedFrames = new ArrayDeque<>();
                int asked = max - batch.size();
                // fewer than asked for: the queue is empty now
                drained = queue.drainTo(drainedFrames, asked) < asked;
                bytes = fill(batch, drainedFrames, max, bytes);
                // what is beyond this take's bytes stays here, ahead of the queue, for the next take
                state.carried.addAll(drainedFrames);
                drained &= state.carried.isEmpty();
            }
            if (batch.isEmpty())
            {
                byte[] next = queue.poll(waitMs, TimeUnit.MILLISECONDS);
                if (next == null)
                    return Taken.NOTHING;
                batch.add(next);
                bytes = next.length;
                drained = false;
            }
            long id = ++state.lastId;
            state.held = new Held(id, taker, batch, bytes);
            return new Taken(id, batch, drained);
        }
        finally
        {
            state.taking.unlock();
        }
    }

    /**
     * Moves frames from the head of {@code from} to {@code batch} while the batch has fewer than {@code max} frames
     * and room in {@value #TAKE_BYTES} bytes (a batch takes its first frame whatever its size).
     *
     * @return the bytes in the batch now
     */
    private static long fill(List<byte[]> batch, ArrayDeque<byte[]> from, int max, long bytes)
    {
        while (!from.isEmpty() && batch.size() < max && (batch.isEmpty() || bytes + from.peekFirst().length <= TAKE_BYTES))
        {
            byte[] frame = from.pollFirst();
            batch.add(frame);
            bytes += frame.length;
        }
        return bytes;
    }
}
