package io.eggcluster.jetty.internal.messenger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of the messages left in a removed worker's slot (the cluster scaled down): its process stopped
 * receiving and exited, so nothing will take them. Nothing is dropped silently:
 * <ul>
 *   <li>a message sent with {@code sendRandom} (from the agent, for any one worker) goes to another worker's slot: a
 *       ready one at random, else any live one (held until it is ready); its receiver sees it as sent by the agent,
 *       after what the agent sent it directly in the meantime;</li>
 *   <li>a copy of a message sent to every worker ({@code broadcast}, {@code sendToApp}) is dropped and counted: each
 *       other worker got its own;</li>
 *   <li>what was addressed to the removed worker's pid ({@code sendTo}, {@code request}, an answer to its own
 *       request) is dropped and counted: its addressee is gone; a request's sender is sent a failure (an error
 *       answer), so its future fails now rather than at its timeout.</li>
 * </ul>
 * <p>Runs where the holds are ({@link Batches}): on the master's member ({@link HazelcastTransport#retireSlot}), or in
 * one JVM ({@link LocalTransport#retireSlot}). What arrives for a retired slot later (a sender that had not heard of
 * the removal yet) is dealt with the same way as it arrives, and logged.</p>
 */
final class SlotRetirement
{
    private static final Logger LOG = LoggerFactory.getLogger(SlotRetirement.class);
    /** The largest error answer made here: a sentence. */
    private static final int MAX_ANSWER_BYTES = 64 << 10;

    /** Where the holds are, and what the master says of the workers. */
    interface Holds
    {
        Batches batches();

        BlockingQueue<byte[]> queue(String slot);

        /** @return the live worker count, or 0 when the master has not said */
        int workerCount();

        /** @return the ready processes, slot to pid */
        Map<String, Long> ready();
    }

    private SlotRetirement()
    {
    }

    /**
     * Retires worker slot {@code workerId} (its process has exited, the worker count is already lower) and deals
     * with everything it held.
     *
     * @throws IllegalArgumentException when the slot is one of the live worker slots
     */
    static RetiredSlot retire(Holds holds, int workerId)
    {
        int count = holds.workerCount();
        if (workerId < 1 || workerId <= count)
            throw new IllegalArgumentException("worker#" + workerId + " is not a removed worker's slot: the cluster " +
                "has " + count + " worker(s); lower the count first (setWorkerCount)");
        String slot = Transport.workerSlot(workerId);
        List<byte[]> left = holds.batches().retire(holds.queue(slot), slot);
        return handle(holds, workerId, left);
    }

    /**
     * Frames that came for a retired slot after it was retired: dealt with as at its retirement, and logged, since
     * the master does not hear of them.
     */
    static void late(Holds holds, String slot, List<byte[]> frames)
    {
        int workerId = Integer.parseInt(slot.substring(slot.indexOf('-') + 1));
        RetiredSlot done = handle(holds, workerId, frames);
        LOG.warn("{} message(s) came for worker#{} after its slot was retired: {} moved to other workers, {} dropped " +
            "({} copies of messages to all workers, {} addressed to its pid, {} request(s) failed back to their " +
            "senders, {} not moved or read)", frames.size(), workerId, done.moved(), done.dropped(),
            done.forAllWorkers(), done.forItsPid(), done.requestsFailed(), done.lost());
    }

    private static RetiredSlot handle(Holds holds, int workerId, List<byte[]> frames)
    {
        int moved = 0;
        int forAll = 0;
        int forPid = 0;
        int failed = 0;
        int lost = 0;
        List<String> others = null;
        for (byte[] frame : frames)
        {
            Envelope envelope;
            try
            {
                envelope = Envelope.decode(frame, Frames.HEADER);
            }
            catch (RuntimeException e)
            {
                LOG.warn("a message left for worker#{} cannot be read ({} bytes): {}", workerId, frame.length,
                    e.toString());
                lost++;
                continue;
            }
            switch (envelope.kind())
            {
                case ANY_WORKER ->
                {
                    if (others == null)
                        others = otherWorkers(holds, workerId);
                    if (move(holds, others, Arrays.copyOfRange(frame, Frames.HEADER, frame.length)))
                        moved++;
                    else
                    {
                        LOG.warn("'{}' from {}, sent to any worker, was left for worker#{} and no other worker's " +
                            "slot has room for it", envelope.action(), envelope.sender(), workerId);
                        lost++;
                    }
                }
                case REQUEST ->
                {
                    forPid++;
                    if (failBack(holds, workerId, envelope))
                        failed++;
                }
                case REPLY, ERROR_REPLY -> forPid++;
                case MESSAGE ->
                {
                    if (envelope.targetPid() != 0)
                        forPid++;
                    else
                        forAll++;
                }
            }
        }
        return new RetiredSlot(workerId, moved, forAll, forPid, failed, lost);
    }

    /**
     * @return the live worker slots but the removed one, the ready ones first, each group in random order (so that
     * what is moved is spread)
     */
    private static List<String> otherWorkers(Holds holds, int removed)
    {
        Map<String, Long> ready = holds.ready();
        int count = holds.workerCount();
        List<String> readySlots = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        if (count > 0)
        {
            for (int id = 1; id <= count; id++)
            {
                if (id == removed)
                    continue;
                String slot = Transport.workerSlot(id);
                (ready.containsKey(slot) ? readySlots : waiting).add(slot);
            }
        }
        else
        {
            // the master never said how many workers there are: the ready ones
            for (String slot : ready.keySet())
            {
                if (!slot.equals(Transport.agentSlot()) && !slot.equals(Transport.workerSlot(removed)))
                    readySlots.add(slot);
            }
        }
        Collections.shuffle(readySlots);
        Collections.shuffle(waiting);
        readySlots.addAll(waiting);
        return readySlots;
    }

    private static boolean move(Holds holds, List<String> slots, byte[] envelope)
    {
        for (String slot : slots)
        {
            if (holds.batches().offerOwn(holds.queue(slot), slot, envelope))
                return true;
        }
        return false;
    }

    /** Sends a request's sender an error answer for it, as if from the removed worker. */
    private static boolean failBack(Holds holds, int workerId, Envelope request)
    {
        String slot = ClusterMessenger.slotOf(request.sender());
        if (!ClusterTypes.isSlot(slot))
            return false;
        EggProcess removed = new EggProcess(Role.WORKER, workerId, request.targetPid());
        Envelope failure = new Envelope(Envelope.Kind.ERROR_REPLY, request.action(), removed, request.sender().pid(),
            request.requestId(), "request '" + request.action() + "' to " + removed + " was not handled: that worker " +
            "was removed (the cluster scaled down) before it took the request");
        try
        {
            return holds.batches().offerOwn(holds.queue(slot), slot, failure.encode(MAX_ANSWER_BYTES));
        }
        catch (IllegalArgumentException e)
        {
            return false; // an action name too long to answer about: the sender waits for its timeout
        }
    }
}
