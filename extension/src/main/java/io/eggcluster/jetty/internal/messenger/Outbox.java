package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one process has sent and not yet handed to the cluster: a FIFO per receiver slot, handed over in batches
 * (one {@link Transport#offerAll} per slot and turn) by one sender thread, so a send costs the caller an encode and
 * an append, not a round trip to the Hazelcast member, and a burst of sends travels in a few calls.
 *
 * <p>Order: one thread hands over each slot's messages in the order they were accepted. Back-pressure: a slot
 * holds at most {@link #PER_SLOT} accepted messages and {@link #PER_SLOT_BYTES} bytes of them (or one message, if
 * larger): a send beyond that waits for the sender thread (up to {@link #STALL_MS}). A receiver's hold that is full (in messages or in bytes) makes the hand-over stop at the first
 * message it refuses: that message and those after it stay here and are retried, and the slot is marked full: a
 * send to it waits up to {@link #FULL_WAIT_MS} for a hand-over to succeed again, then throws, naming the bound that
 * refused. Once a send has waited that long in vain, the receiver is not taking (it is not only slower than its
 * senders): further sends to it throw at once, until a hand-over to it succeeds again, so a sender does not stall a
 * second per message for an absent receiver. Nothing accepted is dropped while the process lives; {@link #close}
 * hands over what is left and logs what it could not.</p>
 */
final class Outbox
{
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    /** Accepted messages per slot not yet handed over, at most. */
    static final int PER_SLOT = 8192;
    /**
     * Bytes of accepted messages per slot not yet handed over, at most (unless one message is larger): a message may
     * be 16 MiB, and a burst of them must not fill this process's heap; 8 MiB is eight 1 MiB hand-overs, and 257
     * slots (256 workers) of it fit in the default heap of a 24 GiB machine a third of the way.
     */
    static final int PER_SLOT_BYTES = 8 << 20;
    /** Messages per hand-over, at most. */
    static final int BATCH = 1024;
    /** Bytes per hand-over, at most (a batch holds at least one message). */
    static final int BATCH_BYTES = 1 << 20;
    /**
     * How long the queue copies of messages that also went directly may wait to travel together: a receiver that
     * got the direct copy does not wait for them, and fewer, fuller hand-overs leave the CPU to the direct path.
     */
    static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(50000);
    /** Queue copies that end a linger: well below {@link #DIRECT_MAX_PENDING}, so lingering never stops the direct path. */
    static final int LINGER_MAX = 1000;
    /** Pending messages for a slot beyond which new ones are not offered for the direct path (a burst). */
    static final int DIRECT_MAX_PENDING = 1500;
    /**
     * Sends to one slot closer together than this, {@link #BURST_SENDS} times in a row, are a burst: they travel
     * through the queue only, in batches, which carries more messages per second than copies sent one by one (the
     * direct path is for latency).
     */
    static final long BURST_GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /** This many close sends in a row make a burst (a reply that follows a message at once is not one). */
    static final int BURST_SENDS = 3;
    /** How long a send waits for room in a receiver's full hold before it throws. */
    static final long FULL_WAIT_MS = 1000;
    /** How long a send waits for room in its slot before it gives up. */
    static final long STALL_MS = 30_000;
    /** How long a slot whose hold was full, or whose hand-over failed, rests before the next try. */
    static final long RETRY_MS = 5;

    private final String owner;
    private final long origin;
    private final Transport transport;
    private final Object lock = new Object();
    /** Slot to its pending messages; guarded by {@link #lock}. */
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Thread sender;
    private boolean closed;
    private boolean busy;

    private static final class Slot
    {
        final String name;
        final ArrayDeque<byte[]> pending = new ArrayDeque<>();
        /** The bytes of the frames in {@link #pending}. */
        long pendingBytes;
        /** The seq of the last frame accepted for this slot. */
        long seq;
        /** The receiver's hold refused the last hand-over. */
        boolean full;
        /** Which bound refused it ({@link Offered#refusal}). */
        String refusal;
        /** A send waited {@link #FULL_WAIT_MS} for room in vain since the hold last took a message. */
        boolean gaveUp;
        /** The slot rests to let the queue copies of direct messages gather. */
        boolean lingering;
        /** The seq of the last frame that must not linger (it went through the queue only). */
        long urgentSeq;
        /** The seq of the last frame handed over. */
        long handedSeq;
        /** How many sends in a row came within {@link #BURST_GAP_NANOS} of the one before. */
        int closeSends;
        /** When the last message for this slot was accepted (nanoTime). */
        long lastSend = System.nanoTime() - BURST_GAP_NANOS;
        /** Not before this time (nanoTime) is the slot tried again. */
        long restUntil = System.nanoTime();
        String lastFailure;

        Slot(String name)
        {
            this.name = name;
        }
    }

    /**
     * @param owner the sending process, for messages
     * @param origin the id this outbox puts in its frames ({@link Frames})
     */
    Outbox(String owner, long origin, Transport transport)
    {
        this.owner = owner;
        this.origin = origin;
        this.transport = transport;
        this.sender = new Thread(this::run, "egg-messenger-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Accepts a message for a slot, framed with this outbox's origin and the slot's next seq.
     *
     * @return the frame, which may also go directly to the receiver; null in a burst (see {@link #BURST_GAP_NANOS}
     * and {@link #DIRECT_MAX_PENDING}), which the batched queue carries better alone
     * @throws IllegalStateException when the slot's hold stays full for {@link #FULL_WAIT_MS} (at once when it stayed
     * full for a send before), when this outbox is closed, or when the slot had no room for {@link #STALL_MS}; the
     * message was not accepted
     */
    byte[] send(String slot, byte[] envelope, String action)
    {
        synchronized (lock)
        {
            Slot target = slots.computeIfAbsent(slot, Slot::new);
            long now = System.nanoTime();
            long deadline = now + TimeUnit.MILLISECONDS.toNanos(STALL_MS);
            long fullDeadline = now + TimeUnit.MILLISECONDS.toNanos(FULL_WAIT_MS);
            while (true)
            {
                if (closed)
                    throw new IllegalStateException("the messenger of " + owner + " has stopped: '" + action +
                        "' was not sent to " + slot);
                long left;
                if (target.full)
                {
                    // a receiver that is only slower than its senders makes room soon; one that is absent does not
                    left = fullDeadline - System.nanoTime();
                    if (left <= 0 || target.gaveUp)
                    {
                        target.gaveUp = true;
                        throw new IllegalStateException("the message queue of " + slot + " is full (" +
                            target.refusal + "): '" + action + "' was not sent");
                    }
                }
                else
                {
                    if (target.pending.size() < PER_SLOT && (target.pending.isEmpty() ||
                        target.pendingBytes + Frames.HEADER + envelope.length <= PER_SLOT_BYTES))
                        break;
                    left = deadline - System.nanoTime();
                    if (left <= 0)
                        throw new IllegalStateException("'" + action + "' was not sent: " + target.pending.size() +
                            " messages (" + target.pendingBytes + " bytes) to " +
                            slot + " have waited " + STALL_MS + " ms to reach the cluster" +
                            (target.lastFailure == null ? "" : " (last failure: " + target.lastFailure + ")"));
                }
                waitQuietly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            byte[] frame = Frames.frame(origin, ++target.seq, envelope);
            target.pending.add(frame);
            target.pendingBytes += frame.length;
            now = System.nanoTime();
            target.closeSends = now - target.lastSend < BURST_GAP_NANOS ? target.closeSends + 1 : 0;
            boolean burst = target.closeSends >= BURST_SENDS || target.pending.size() > DIRECT_MAX_PENDING;
            target.lastSend = now;
            if (burst)
                hurry(target);
            else if (target.pending.size() == 1)
                lock.notifyAll();
            return burst ? null : frame;
        }
    }

    /** Ends a slot's linger: what waits goes now. Under {@link #lock}. */
    private void hurry(Slot slot)
    {
        slot.urgentSeq = slot.seq;
        if (slot.lingering)
        {
            slot.lingering = false;
            slot.restUntil = System.nanoTime();
            lock.notifyAll();
        }
        else if (slot.pending.size() == 1)
            lock.notifyAll();
    }

    /**
     * The direct copy of the last message accepted for {@code slot} could not be sent: its queue copy goes now.
     */
    void hurry(String slot)
    {
        synchronized (lock)
        {
            Slot target = slots.get(slot);
            if (target != null)
                hurry(target);
        }
    }

    /**
     * The last message accepted for {@code slot} also went directly to its receiver: its queue copy may wait up to
     * {@link #LINGER_NANOS} for company.
     */
    void linger(String slot)
    {
        synchronized (lock)
        {
            Slot target = slots.get(slot);
            if (target != null && !target.lingering && !target.pending.isEmpty() && target.pending.size() < LINGER_MAX &&
                target.urgentSeq <= target.handedSeq)
            {
                target.lingering = true;
                target.restUntil = System.nanoTime() + LINGER_NANOS;
            }
        }
    }

    /**
     * Waits until every accepted message is handed over, or held back by a full receiver.
     *
     * @return true when nothing is left to hand over but messages held back by full receivers
     */
    boolean flush(long timeoutMs)
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (lock)
        {
            while (true)
            {
                if (!busy && slots.values().stream().allMatch(s -> s.pending.isEmpty() || s.full))
                    return true;
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    return false;
                waitQuietly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /**
     * Hands over what is left (for up to {@code timeoutMs}), then refuses further sends and stops the sender
     * thread. What could not be handed over is logged, per slot, as lost.
     */
    void close(long timeoutMs)
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (lock)
        {
            while (slots.values().stream().anyMatch(s -> !s.pending.isEmpty()) || busy)
            {
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    break;
                waitQuietly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            closed = true;
            for (Slot slot : slots.values())
            {
                if (!slot.pending.isEmpty())
                    LOG.warn("{} stopped with {} message(s) to {} not handed to the cluster ({}): they are lost",
                        owner, slot.pending.size(), slot.name, slot.full ? "its queue is full: " + slot.refusal :
                            slot.lastFailure == null ? "no time left" : slot.lastFailure);
                slot.pending.clear();
                slot.pendingBytes = 0;
            }
            lock.notifyAll();
        }
        sender.interrupt();
    }

    private void waitQuietly(long ms)
    {
        try
        {
            lock.wait(ms);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the messenger of " + owner);
        }
    }

    private record Batch(Slot slot, List<byte[]> messages)
    {
    }

    private void run()
    {
        List<Batch> turn = new ArrayList<>();
        while (true)
        {
            synchronized (lock)
            {
                busy = false;
                lock.notifyAll();
                while (true)
                {
                    if (closed)
                        return;
                    long now = System.nanoTime();
                    long rest = Long.MAX_VALUE;
                    for (Slot slot : slots.values())
                    {
                        if (slot.pending.isEmpty())
                            continue;
                        if (now - slot.restUntil < 0 && !(slot.lingering && slot.pending.size() >= LINGER_MAX))
                        {
                            rest = Math.min(rest, slot.restUntil - now);
                            continue;
                        }
                        turn.add(new Batch(slot, head(slot.pending)));
                    }
                    if (!turn.isEmpty())
                        break;
                    try
                    {
                        if (rest == Long.MAX_VALUE)
                            lock.wait();
                        else
                            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(rest)));
                    }
                    catch (InterruptedException e)
                    {
                        if (closed)
                            return;
                    }
                }
                busy = true;
            }
            for (Batch batch : turn)
                handOver(batch);
            turn.clear();
        }
    }

    /** The first messages of a slot, up to {@link #BATCH} and {@link #BATCH_BYTES}; they stay in the slot. */
    private static List<byte[]> head(ArrayDeque<byte[]> pending)
    {
        List<byte[]> batch = new ArrayList<>(Math.min(pending.size(), BATCH));
        int bytes = 0;
        for (byte[] message : pending)
        {
            if (batch.size() == BATCH || (!batch.isEmpty() && bytes + message.length > BATCH_BYTES))
                break;
            batch.add(message);
            bytes += message.length;
        }
        return batch;
    }

    private void handOver(Batch batch)
    {
        int accepted;
        String refusal = null;
        String failure = null;
        try
        {
            Offered offered = transport.offerAll(batch.slot().name, batch.messages());
            accepted = offered.accepted();
            refusal = offered.refusal();
        }
        catch (InterruptedException e)
        {
            accepted = 0;
            failure = "interrupted";
        }
        catch (RuntimeException e)
        {
            accepted = 0;
            failure = e.toString();
        }
        synchronized (lock)
        {
            if (closed)
                return;
            Slot slot = batch.slot();
            for (int i = 0; i < accepted; i++)
                slot.pendingBytes -= slot.pending.poll().length;
            if (accepted > 0)
                slot.handedSeq = Frames.seq(batch.messages().get(accepted - 1));
            boolean refused = failure == null && accepted < batch.messages().size();
            if (refused && !slot.full)
                LOG.warn("{}: the message queue of {} is full ({}); {} message(s) wait here and further sends to it " +
                    "fail until it has room", owner, slot.name, refusal, slot.pending.size());
            if (refused)
                slot.refusal = refusal;
            if (!refused || accepted > 0)
                slot.gaveUp = false;
            if (failure != null && slot.lastFailure == null)
                LOG.warn("{}: cannot hand {} message(s) to {} to the cluster, retrying: {}", owner, slot.pending.size(),
                    slot.name, failure);
            slot.full = refused;
            slot.lingering = false;
            slot.lastFailure = failure;
            slot.restUntil = System.nanoTime() + (refused || failure != null ? TimeUnit.MILLISECONDS.toNanos(RETRY_MS) : 0);
            lock.notifyAll();
        }
    }
}
