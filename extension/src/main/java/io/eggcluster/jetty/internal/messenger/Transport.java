package io.eggcluster.jetty.internal.messenger;

import java.util.List;
import java.util.Map;

/**
 * Where messages wait for their receivers: one bounded FIFO queue per slot ({@code agent}, {@code worker-1}, ...),
 * kept by the cluster while a slot's process starts, dies or restarts; and the registry of ready processes, slot to
 * pid, written by the master. Implemented on Hazelcast ({@link HazelcastTransport}) and in one JVM
 * ({@link LocalTransport}, for tests).
 */
interface Transport
{
    /**
     * @return false when the slot's queue is full
     */
    boolean offer(String slot, byte[] message) throws InterruptedException;

    /**
     * Waits up to {@code waitMs} for a message, then takes up to {@code max} of them, oldest first.
     *
     * @return the messages taken, possibly none
     */
    List<byte[]> poll(String slot, int max, long waitMs) throws InterruptedException;

    /**
     * @return the ready processes as this process last heard: slot to pid
     */
    Map<String, Long> processes();

    /**
     * @return the ready processes as the registry holds them now (slower: asks the cluster)
     */
    Map<String, Long> freshProcesses();

    static String agentSlot()
    {
        return "agent";
    }

    static String workerSlot(int workerId)
    {
        return "worker-" + workerId;
    }
}
