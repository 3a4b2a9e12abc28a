package io.eggcluster.jetty.internal.messenger;

/**
 * What retiring a removed worker's slot did with the messages left in it ({@link HazelcastTransport#retireSlot}),
 * counted: its {@link #toString()} is one log line.
 *
 * @param workerId the removed worker's slot
 * @param moved messages sent with {@code sendRandom} (from the agent, for any one worker), moved to another worker's
 *              slot
 * @param forAllWorkers copies of messages sent to every worker ({@code broadcast}, {@code sendToApp}), dropped: every
 *                      other worker got its own copy
 * @param forItsPid messages, requests and answers addressed to the removed worker's pid ({@code sendTo},
 *                  {@code request}, the answers to its own requests), dropped: their addressee is gone
 * @param requestsFailed of those, the requests whose sender was sent a failure for it (instead of waiting for its
 *                       timeout)
 * @param lost what could not be dealt with: {@code sendRandom} messages no other worker's slot had room for, and
 *             frames that could not be read
 */
public record RetiredSlot(int workerId, int moved, int forAllWorkers, int forItsPid, int requestsFailed, int lost)
{
    /** @return how many messages the slot held */
    public int total()
    {
        return moved + forAllWorkers + forItsPid + lost;
    }

    /** @return how many messages were dropped (counted, not delivered) */
    public int dropped()
    {
        return forAllWorkers + forItsPid + lost;
    }

    @Override
    public String toString()
    {
        if (total() == 0)
            return "worker#" + workerId + "'s message slot retired: it held nothing";
        return "worker#" + workerId + "'s message slot retired with " + total() + " message(s) left: " + moved +
            " sent with sendRandom moved to other workers; dropped " + forAllWorkers + " copies of messages to all " +
            "workers (every other worker had its own), " + forItsPid + " addressed to its pid (" + requestsFailed +
            " request(s) failed back to their senders)" + (lost == 0 ? "" : ", " + lost + " that could not be " +
            "moved or read");
    }
}
