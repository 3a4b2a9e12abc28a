package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this process's messages. Each message goes to its receiver slot's queue in the cluster, always (held there
 * until taken, acknowledged); unless it is part of a burst, a copy also goes straight to the receiver, over a
 * loopback socket ({@link DirectSender}) or, for this process itself, to its own {@link Inbox}; the receiver handles
 * whichever copy comes first.
 *
 * <p><b>The direct-or-queue policy</b>, all of it here:</p>
 * <ul>
 *   <li><i>burst</i>: {@value #BURST_SENDS} sends to one slot in a row, each within {@link #BURST_GAP_NANOS} of the
 *       one before, or more than {@value #DIRECT_MAX_PENDING} messages waiting for it, travel through the queue
 *       only, in batches, which carries more messages per second than copies sent one by one (the direct path is
 *       for latency);</li>
 *   <li><i>linger</i>: the queue copies of messages that also went directly may wait up to {@link #LINGER_NANOS}
 *       (or until {@value #LINGER_MAX} of them) to travel together: their receiver got the direct copy, and fewer,
 *       fuller hand-overs leave the CPU to the direct path;</li>
 *   <li><i>hurry</i>: a message that went through the queue only (a burst, or its direct copy could not go) ends
 *       the linger: what waits goes now.</li>
 * </ul>
 *
 * <p>Queue copies: each slot's {@link Outbox} is handed over in batches (one {@link Transport#offerAll} per slot
 * and turn) by one thread, so a send costs its caller an encode and an append, not a round trip to the member, and
 * each slot's messages reach the cluster in the order they were accepted. Back-pressure: a send to a slot whose
 * outbox is at its bounds waits for room (up to {@value #STALL_MS} ms). A receiver's hold that is full (in messages
 * or in bytes) makes the hand-over stop at the first message it refuses: that message and those after it wait here
 * and are retried, and a send to that slot waits up to {@value #FULL_WAIT_MS} ms for a hand-over to succeed again,
 * then throws, naming the bound that refused. Once a send has waited that long in vain, the receiver is not taking
 * (it is not only slower than its senders): further sends to it throw at once until a hand-over to it succeeds
 * again. Nothing accepted is dropped while the process lives; {@link #doStop} hands over what is left (up to
 * {@value #STOP_FLUSH_MS} ms) and logs what it could not.</p>
 *
 * <p>Threads, all started by {@link #doStart} and ended by {@link #doStop}: {@code egg-messenger-sender} (the
 * hand-overs), {@code egg-messenger-self} (direct copies to this process itself, in order) and the
 * {@link DirectSender}'s {@code egg-messenger-direct-connect}, a bean of this one. A send runs on its caller's
 * thread: one lock, no hop.</p>
 */
@ManagedObject("Sends this process's messages: queue copies in batches, direct copies at once")
public final class Sender extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    /** How long the queue copies of messages that also went directly may wait to travel together. */
    static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(50000);
    /** Queue copies that end a linger: well below {@link #DIRECT_MAX_PENDING}, so lingering never stops the direct path. */
    static final int LINGER_MAX = 1000;
    /** Pending messages for a slot beyond which new ones are not offered for the direct path (a burst). */
    static final int DIRECT_MAX_PENDING = 1500;
    /** Sends to one slot closer together than this, {@link #BURST_SENDS} times in a row, are a burst. */
    static final long BURST_GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /** This many close sends in a row make a burst (a reply that follows a message at once is not one). */
    static final int BURST_SENDS = 3;
    /** How long a send waits for room in a receiver's full hold before it throws. */
    static final long FULL_WAIT_MS = 1000;
    /** How long a send waits for room in its slot's outbox before it gives up. */
    static final long STALL_MS = 30_000;
    /** How long a stop waits for what was accepted to reach the cluster. */
    static final long STOP_FLUSH_MS = 5000;
    /** How long a stop waits, after that, for the sender thread to end. */
    private static final long STOP_JOIN_MS = 1000;

    private final String owner;
    private final String ownSlot;
    private final long origin;
    private final Transport transport;
    private final DirectSender direct;
    /** Where the direct copies of what this process sends itself go. */
    private final Inbox self;
    private final Object lock = new Object();
    /** Slot to its lane; guarded by {@link #lock}. */
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    /** Guarded by {@link #lock}. */
    private boolean closed;
    /** Whether the sender thread is handing over a turn; guarded by {@link #lock}. */
    private boolean busy;
    /** Messages accepted, ever; guarded by {@link #lock}. */
    private long accepted;
    /** Messages the cluster took, ever; guarded by {@link #lock}. */
    private long handed;
    private Thread handOver;
    private volatile ExecutorService toSelf;

    /** One receiver slot: its outbox, and the policy's state for it. Guarded by {@link #lock}. */
    private static final class Lane
    {
        final Outbox outbox;
        /** A send waited {@link #FULL_WAIT_MS} for room in vain since the hold last took a message. */
        boolean gaveUp;
        /** The outbox rests to let the queue copies of direct messages gather. */
        boolean lingering;
        /** The seq of the last frame that must not linger (it went through the queue only). */
        long urgentSeq;
        /** How many sends in a row came within {@link #BURST_GAP_NANOS} of the one before. */
        int closeSends;
        /** When the last message for this slot was accepted (nanoTime). */
        long lastSend = System.nanoTime() - BURST_GAP_NANOS;

        Lane(Outbox outbox)
        {
            this.outbox = outbox;
        }
    }

    /**
     * @param owner the sending process, for messages
     * @param ownSlot this process's slot: what goes there is delivered to {@code self}
     * @param origin the id this process puts in its frames ({@link Frames})
     * @param self this process's inbox, which takes the direct copies of what it sends itself
     */
    Sender(String owner, String ownSlot, long origin, Transport transport, Inbox self)
    {
        this.owner = owner;
        this.ownSlot = ownSlot;
        this.origin = origin;
        this.transport = transport;
        this.self = self;
        this.direct = new DirectSender(owner, transport);
        addBean(direct);
    }

    @Override
    protected void doStart() throws Exception
    {
        toSelf = Executors.newSingleThreadExecutor(r ->
        {
            Thread thread = new Thread(r, "egg-messenger-self");
            thread.setDaemon(true);
            return thread;
        });
        super.doStart();
        handOver = new Thread(this::run, "egg-messenger-sender");
        handOver.setDaemon(true);
        handOver.start();
    }

    /**
     * Hands over what is left (up to {@value #STOP_FLUSH_MS} ms), then refuses further sends; what could not be
     * handed over is logged, per slot, as lost.
     */
    @Override
    protected void doStop() throws Exception
    {
        // what is sent from now on goes through the queue only: the stop hands it over
        toSelf.shutdownNow();
        close(STOP_FLUSH_MS);
        Thread thread = handOver;
        if (thread != null)
        {
            // it returns as soon as it sees the stop, or its hand-over in progress ends
            thread.interrupt();
            thread.join(STOP_JOIN_MS);
        }
        super.doStop();
    }

    /**
     * Accepts a message for a slot: into its outbox, and, unless in a burst, straight to its receiver too.
     *
     * @throws IllegalStateException when the slot's hold stays full for {@link #FULL_WAIT_MS} (at once when it stayed
     * full for a send before), when this sender has stopped, or when the slot had no room for {@link #STALL_MS}; the
     * message was not accepted
     */
    void send(String slot, byte[] envelope, String action)
    {
        Lane lane;
        byte[] frame;
        synchronized (lock)
        {
            lane = lanes.get(slot);
            if (lane == null)
            {
                lane = new Lane(new Outbox(slot, origin));
                lanes.put(slot, lane);
            }
            awaitRoom(lane, envelope.length, action);
            Outbox outbox = lane.outbox;
            frame = outbox.add(envelope);
            accepted++;
            long now = System.nanoTime();
            lane.closeSends = now - lane.lastSend < BURST_GAP_NANOS ? lane.closeSends + 1 : 0;
            lane.lastSend = now;
            if (lane.closeSends >= BURST_SENDS || outbox.size() > DIRECT_MAX_PENDING)
            {
                // a burst: the batched queue carries it better alone
                hurry(lane);
                return;
            }
            if (outbox.size() == 1)
                lock.notifyAll();
        }
        if (!slot.equals(ownSlot))
        {
            if (direct.send(slot, frame))
                linger(lane);
            else
                hurry(lane);
        }
        else if (self.isDirectOpen())
        {
            ExecutorService executor = toSelf;
            if (executor == null)
                return;
            try
            {
                executor.execute(() -> self.receive(frame, true));
                linger(lane);
            }
            catch (RejectedExecutionException stopping)
            {
                // stopping: the queue copy is handed over by the stop
            }
        }
    }

    /** Waits until the lane's outbox has room for the message, or throws. Under {@link #lock}. */
    private void awaitRoom(Lane lane, int envelopeLength, String action)
    {
        Outbox outbox = lane.outbox;
        long now = System.nanoTime();
        long deadline = now + TimeUnit.MILLISECONDS.toNanos(STALL_MS);
        long fullDeadline = now + TimeUnit.MILLISECONDS.toNanos(FULL_WAIT_MS);
        while (true)
        {
            if (closed)
                throw new IllegalStateException("the messenger of " + owner + " has stopped: '" + action +
                    "' was not sent to " + outbox.slot);
            long left;
            if (outbox.isFull())
            {
                // a receiver that is only slower than its senders makes room soon; one that is absent does not
                left = fullDeadline - System.nanoTime();
                if (left <= 0 || lane.gaveUp)
                {
                    lane.gaveUp = true;
                    throw new IllegalStateException("the message queue of " + outbox.slot + " is full (" +
                        outbox.refusal() + "): '" + action + "' was not sent");
                }
            }
            else
            {
                if (outbox.hasRoom(envelopeLength))
                    return;
                left = deadline - System.nanoTime();
                if (left <= 0)
                    throw new IllegalStateException("'" + action + "' was not sent: " + outbox.size() +
                        " messages (" + outbox.bytes() + " bytes) to " + outbox.slot + " have waited " + STALL_MS +
                        " ms to reach the cluster" +
                        (outbox.failure() == null ? "" : " (last failure: " + outbox.failure() + ")"));
            }
            waitQuietly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    /** A message went through the queue only: its outbox's linger ends, what waits goes now. */
    private void hurry(Lane lane)
    {
        synchronized (lock)
        {
            lane.urgentSeq = lane.outbox.seq();
            if (lane.lingering)
            {
                lane.lingering = false;
                lane.outbox.holdUntil(System.nanoTime());
                lock.notifyAll();
            }
            else if (lane.outbox.size() == 1)
                lock.notifyAll();
        }
    }

    /** The last message accepted for a lane also went directly: its queue copy may wait for company. */
    private void linger(Lane lane)
    {
        synchronized (lock)
        {
            Outbox outbox = lane.outbox;
            if (!lane.lingering && !outbox.isEmpty() && outbox.size() < LINGER_MAX &&
                lane.urgentSeq <= outbox.handedSeq())
            {
                lane.lingering = true;
                outbox.holdUntil(System.nanoTime() + LINGER_NANOS);
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
                if (!busy && lanes.values().stream().allMatch(l -> l.outbox.isEmpty() || l.outbox.isFull()))
                    return true;
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    return false;
                waitQuietly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private void close(long timeoutMs)
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (lock)
        {
            while (lanes.values().stream().anyMatch(l -> !l.outbox.isEmpty()) || busy)
            {
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    break;
                waitQuietly(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            closed = true;
            for (Lane lane : lanes.values())
            {
                Outbox outbox = lane.outbox;
                if (!outbox.isEmpty())
                    LOG.warn("{} stopped with {} message(s) to {} not handed to the cluster ({}): they are lost",
                        owner, outbox.size(), outbox.slot, outbox.isFull() ? "its queue is full: " +
                            outbox.refusal() : outbox.failure() == null ? "no time left" : outbox.failure());
                outbox.clear();
            }
            lock.notifyAll();
        }
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

    private record Batch(Lane lane, List<byte[]> frames)
    {
    }

    /** The sender thread: hands over each due outbox's head, a turn at a time. */
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
                    for (Lane lane : lanes.values())
                    {
                        Outbox outbox = lane.outbox;
                        if (outbox.isEmpty())
                            continue;
                        if (!outbox.isDue(now) && !(lane.lingering && outbox.size() >= LINGER_MAX))
                        {
                            rest = Math.min(rest, outbox.restNanos(now));
                            continue;
                        }
                        turn.add(new Batch(lane, outbox.head()));
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

    private void handOver(Batch batch)
    {
        Outbox outbox = batch.lane().outbox;
        int taken;
        String refusal = null;
        String failure = null;
        try
        {
            Offered offered = transport.offerAll(outbox.slot, batch.frames());
            taken = offered.accepted();
            refusal = offered.refusal();
        }
        catch (InterruptedException e)
        {
            taken = 0;
            failure = "interrupted";
        }
        catch (RuntimeException e)
        {
            taken = 0;
            failure = e.toString();
        }
        synchronized (lock)
        {
            if (closed)
                return;
            Lane lane = batch.lane();
            boolean wasFull = outbox.isFull();
            boolean failedBefore = outbox.failure() != null;
            boolean refused = outbox.handedOver(batch.frames(), taken, refusal, failure);
            handed += taken;
            if (refused && !wasFull)
                LOG.warn("{}: the message queue of {} is full ({}); {} message(s) wait here and further sends to it " +
                    "fail until it has room", owner, outbox.slot, refusal, outbox.size());
            if (!refused || taken > 0)
                lane.gaveUp = false;
            if (failure != null && !failedBefore)
                LOG.warn("{}: cannot hand {} message(s) to {} to the cluster, retrying: {}", owner, outbox.size(),
                    outbox.slot, failure);
            lane.lingering = false;
            lock.notifyAll();
        }
    }

    @ManagedAttribute("Messages accepted for the cluster, ever")
    public long getMessagesSent()
    {
        synchronized (lock)
        {
            return accepted;
        }
    }

    @ManagedAttribute("Messages the cluster's queues took, ever")
    public long getMessagesHandedOver()
    {
        synchronized (lock)
        {
            return handed;
        }
    }

    @ManagedAttribute("Messages accepted and not yet handed to the cluster, all slots together")
    public int getOutboxSize()
    {
        synchronized (lock)
        {
            int size = 0;
            for (Lane lane : lanes.values())
                size += lane.outbox.size();
            return size;
        }
    }

    @ManagedAttribute("Bytes of the messages accepted and not yet handed to the cluster, all slots together")
    public long getOutboxBytes()
    {
        synchronized (lock)
        {
            long bytes = 0;
            for (Lane lane : lanes.values())
                bytes += lane.outbox.bytes();
            return bytes;
        }
    }

    @ManagedAttribute("Receiver slots whose hold refused the last hand-over: full")
    public List<String> getFullSlots()
    {
        synchronized (lock)
        {
            return lanes.values().stream().filter(l -> l.outbox.isFull())
                .map(l -> l.outbox.slot + " (" + l.outbox.refusal() + ")").toList();
        }
    }

    @ManagedAttribute("Direct copies written to a receiver's socket, ever")
    public long getDirectSent()
    {
        return direct.sent();
    }

    @ManagedAttribute("Direct copies not sent (socket full, no connection yet, no endpoint): their queue copies deliver")
    public long getDirectNotSent()
    {
        return direct.notSent();
    }

    @ManagedAttribute("Direct connections open to receivers")
    public int getDirectLinks()
    {
        return direct.links();
    }

    /** Per slot: messages and bytes waiting, and whether the slot's hold is full. */
    private List<String> slots()
    {
        synchronized (lock)
        {
            List<String> slots = new ArrayList<>(lanes.size());
            for (Lane lane : lanes.values())
            {
                Outbox outbox = lane.outbox;
                slots.add(outbox.slot + ": seq " + outbox.seq() + ", waiting " + outbox.size() + " (" + outbox.bytes() +
                    " bytes)" + (outbox.isFull() ? ", hold full: " + outbox.refusal() : "") +
                    (outbox.failure() != null ? ", failing: " + outbox.failure() : "") +
                    (lane.lingering ? ", lingering" : ""));
            }
            return slots;
        }
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        dumpObjects(out, indent, "sent " + getMessagesSent() + ", handed over " + getMessagesHandedOver() +
            ", outbox " + getOutboxSize() + " (" + getOutboxBytes() + " bytes)", new org.eclipse.jetty.util.component
            .DumpableCollection("outboxes", slots()));
    }

    @Override
    public String toString()
    {
        return "Sender[" + owner + "]@" + Integer.toHexString(hashCode()) + "{" + getState() + "}";
    }
}
