package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What one process has accepted for one receiver slot and not yet handed to the cluster: a FIFO of frames, each
 * numbered with the slot's next seq ({@link Frames}), bounded in messages and in bytes, given out in batches, and
 * what the slot's hold answered to the last hand-over (took all, refused some because it is full, or failed).
 *
 * <p>A plain queue: it owns no thread, waits for nothing and is not thread-safe. Its {@link Sender} guards it with
 * its lock, decides when its head goes (a frame that also went directly may wait for company, see
 * {@link #holdUntil}), and hands it over.</p>
 */
final class Outbox
{
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
    /** How long a slot whose hold was full, or whose hand-over failed, rests before the next try. */
    static final long RETRY_MS = 5;

    final String slot;
    private final long origin;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    /** The bytes of the frames in {@link #pending}. */
    private long bytes;
    /** The seq of the last frame accepted. */
    private long seq;
    /** The seq of the last frame handed over. */
    private long handedSeq;
    /** The receiver's hold refused the last hand-over. */
    private boolean full;
    /** Which bound refused it ({@link Offered#refusal}). */
    private String refusal;
    /** Why the last hand-over failed; null when it did not. */
    private String failure;
    /** Not before this time (nanoTime) does the head go again. */
    private long notBefore = System.nanoTime();

    /**
     * @param slot the receiver slot
     * @param origin the id the sending messenger puts in its frames
     */
    Outbox(String slot, long origin)
    {
        this.slot = slot;
        this.origin = origin;
    }

    /** @return whether a message of {@code envelopeLength} bytes fits in the bounds (a lone message always does) */
    boolean hasRoom(int envelopeLength)
    {
        return pending.size() < PER_SLOT &&
            (pending.isEmpty() || bytes + Frames.HEADER + envelopeLength <= PER_SLOT_BYTES);
    }

    /** Appends a message, framed with the origin and the slot's next seq; the caller checked {@link #hasRoom}. */
    byte[] add(byte[] envelope)
    {
        byte[] frame = Frames.frame(origin, ++seq, envelope);
        pending.add(frame);
        bytes += frame.length;
        return frame;
    }

    int size()
    {
        return pending.size();
    }

    boolean isEmpty()
    {
        return pending.isEmpty();
    }

    long bytes()
    {
        return bytes;
    }

    /** The seq of the last frame accepted. */
    long seq()
    {
        return seq;
    }

    /** The seq of the last frame handed over. */
    long handedSeq()
    {
        return handedSeq;
    }

    /** Whether the receiver's hold refused the last hand-over. */
    boolean isFull()
    {
        return full;
    }

    /** Which bound of the receiver's hold refused the last hand-over. */
    String refusal()
    {
        return refusal;
    }

    /** Why the last hand-over failed, or null. */
    String failure()
    {
        return failure;
    }

    /** Keeps the head back until {@code nanoTime} (it goes at once when that has passed). */
    void holdUntil(long nanoTime)
    {
        notBefore = nanoTime;
    }

    /** @return whether something waits and its time has come */
    boolean isDue(long now)
    {
        return !pending.isEmpty() && now - notBefore >= 0;
    }

    /** @return nanoseconds until the head may go (0 or less: now) */
    long restNanos(long now)
    {
        return notBefore - now;
    }

    /** The first frames, up to {@link #BATCH} and {@link #BATCH_BYTES}; they stay here until {@link #handedOver}. */
    List<byte[]> head()
    {
        List<byte[]> batch = new ArrayList<>(Math.min(pending.size(), BATCH));
        int size = 0;
        for (byte[] frame : pending)
        {
            if (batch.size() == BATCH || (!batch.isEmpty() && size + frame.length > BATCH_BYTES))
                break;
            batch.add(frame);
            size += frame.length;
        }
        return batch;
    }

    /**
     * What the hold answered to a hand-over of {@code batch} (a {@link #head}): the first {@code accepted} frames
     * leave; the rest wait, and if the hold refused them ({@code refusal}) or the hand-over failed ({@code failure}),
     * the head rests {@link #RETRY_MS} before the next try.
     *
     * @return whether the hold refused some of the batch
     */
    boolean handedOver(List<byte[]> batch, int accepted, String refusal, String failure)
    {
        for (int i = 0; i < accepted; i++)
            bytes -= pending.poll().length;
        if (accepted > 0)
            handedSeq = Frames.seq(batch.get(accepted - 1));
        boolean refused = failure == null && accepted < batch.size();
        if (refused)
            this.refusal = refusal;
        this.full = refused;
        this.failure = failure;
        notBefore = System.nanoTime() + (refused || failure != null ? TimeUnit.MILLISECONDS.toNanos(RETRY_MS) : 0);
        return refused;
    }

    /** Drops everything (a stop that could not hand it over). @return how many frames were dropped */
    int clear()
    {
        int dropped = pending.size();
        pending.clear();
        bytes = 0;
        return dropped;
    }
}
