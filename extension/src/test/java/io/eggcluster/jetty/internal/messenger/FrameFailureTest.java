package io.eggcluster.jetty.internal.messenger;

import java.util.List;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Whatever the handling of one frame throws, an Error included, costs that frame and not the thread that takes
 * this process's queue: the process would go on serving HTTP and never take a message again.
 */
class FrameFailureTest
{
    private static final long ORIGIN = 42;
    private final EggProcess agent = new EggProcess(Role.AGENT, 0, 7000);
    private final EggProcess worker = new EggProcess(Role.WORKER, 1, 7001);
    private final LocalTransport transport = new LocalTransport(100);
    private final ClusterMessenger messenger = new ClusterMessenger(agent, 1, transport, 4096);
    private final MessengerContract.Inbox inbox = new MessengerContract.Inbox();

    @AfterEach
    void stop()
    {
        LifeCycle.stop(messenger);
    }

    private byte[] frame(long seq)
    {
        return Frames.frame(ORIGIN, seq, new Envelope(Envelope.Kind.MESSAGE, "m", worker, 0, 0, (int)seq).encode(4096));
    }

    /**
     * An Error that not even a log line can describe: what a listener's OutOfMemoryError is to the catch block that
     * logs it when the heap is still full.
     */
    private static final class Indescribable extends Error
    {
        @Override
        public String getMessage()
        {
            throw new OutOfMemoryError("test: no memory left to describe the failure");
        }
    }

    /** An application's exception whose message is a bug of its own. */
    private static final class BadMessage extends RuntimeException
    {
        @Override
        public String getMessage()
        {
            throw new NullPointerException("test: the message of the exception");
        }
    }

    @Test
    void theQueueIsStillTakenAfterTheHandlingOfAFrameThrowsAnything() throws Exception
    {
        messenger.start();
        messenger.on("m", message ->
        {
            int seq = (Integer)message.data();
            if (seq == 1)
                throw new Indescribable();
            if (seq == 3)
                throw new BadMessage();
            inbox.onMessage(message);
        });
        assertEquals(4, transport.offerAll("agent", List.of(frame(1), frame(2), frame(3), frame(4))).accepted());
        transport.register("agent", agent.pid());
        messenger.eggReady();
        assertEquals(2, inbox.next().data());
        assertEquals(4, inbox.next().data());
        // a later take too
        assertEquals(1, transport.offerAll("agent", List.of(frame(5))).accepted());
        assertEquals(5, inbox.next().data());
        inbox.assertNothingMore();
    }
}
