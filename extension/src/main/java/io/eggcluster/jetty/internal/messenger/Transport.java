package io.eggcluster.jetty.internal.messenger;

import java.util.List;
import java.util.Map;

/**
 * Where messages wait for their receivers: one bounded FIFO queue per slot ({@code agent}, {@code worker-1}, ...),
 * kept by the cluster while a slot's process starts, dies or restarts; the registry of ready processes, slot to
 * pid, written by the master; and the number of worker slots, also written by the master (it changes when the
 * cluster scales). Implemented on Hazelcast ({@link HazelcastTransport}) and in one JVM
 * ({@link LocalTransport}, for tests).
 */
interface Transport
{
    /**
     * Adds messages to a slot's queue, in order, stopping at the first one the slot's hold has no room for, in
     * messages ({@code jetty.egg.queueCapacity}) or in bytes ({@code jetty.egg.queueBytes}); see {@link Batches}.
     *
     * @return how many of the messages, from the first, the queue took, and which bound refused the next
     */
    Offered offerAll(String slot, List<byte[]> messages) throws InterruptedException;

    /**
     * Acknowledges the batch the caller handled last, then takes the next batch of a slot's messages, with
     * acknowledgement: the batch stays held for the slot until its taker acknowledges it, so a batch taken by a
     * process that dies before handling it, or whose answer never reached its taker, is given again to the slot's
     * next take (at-least-once; nothing is lost to a crash). Takes of one slot run one at a time (see
     * {@link Batches}).
     *
     * @param taker the id of the taking consumer, the same for all its takes
     * @param acknowledged the id of the batch the caller has handled ({@link Taken#id}), or 0: a consumer's first
     *                     take then gets first whatever a predecessor took and never acknowledged
     * @return the batch: up to {@code max} messages, oldest first, after waiting up to {@code waitMs} for one;
     * possibly empty
     */
    Taken take(String slot, long taker, long acknowledged, int max, long waitMs) throws InterruptedException;

    /**
     * Acknowledges the batch the caller handled last (a consumer that stops after handling it): a take of nothing
     * that carries the acknowledgement.
     */
    default void acknowledge(String slot, long taker, long acknowledged)
    {
        try
        {
            take(slot, taker, acknowledged, 0, 0);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return the ready processes as this process last heard: slot to pid (a live, read-only view)
     */
    Map<String, Long> processes();

    /**
     * @return the ready processes as the registry holds them now (slower: asks the cluster)
     */
    Map<String, Long> freshProcesses();

    /**
     * @return the number of worker slots as this process last heard from the master (a local copy: no remote call),
     * or 0 when the master has not said
     */
    int workerCount();

    /**
     * @return the master's pid as this process last heard, or 0 when the master has not said
     */
    long masterPid();

    /**
     * Calls {@code listener} after each change this process hears of in the registry or in the worker count, on
     * whichever thread heard it: it must return at once.
     */
    void onWorkersChanged(Runnable listener);

    /**
     * Announces where this slot's process takes direct frames ({@code pid@host:port}).
     */
    void publishEndpoint(String slot, String endpoint);

    /**
     * Withdraws an endpoint this process published, unless another process has replaced it already.
     */
    void withdrawEndpoint(String slot, String endpoint);

    /**
     * @return the direct endpoints as this process last heard: slot to {@code pid@host:port} (a live, read-only view)
     */
    Map<String, String> endpoints();

    static String agentSlot()
    {
        return "agent";
    }

    static String workerSlot(int workerId)
    {
        return "worker-" + workerId;
    }
}
