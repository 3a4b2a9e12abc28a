package io.eggcluster.jetty.internal.messenger;

import java.nio.ByteBuffer;

/**
 * A message as it travels: {@code [origin: 8 bytes][seq: 8 bytes][envelope]}. The origin is a random id of the
 * sending messenger, the seq counts from 1 the messages that origin sent to one slot, in the order they were sent.
 * The same frame may reach a receiver twice (directly and through its queue); the pair makes the second copy
 * recognisable, and tells whether a direct copy is the next one in order.
 */
final class Frames
{
    static final int HEADER = 16;

    private Frames()
    {
    }

    static byte[] frame(long origin, long seq, byte[] envelope)
    {
        byte[] frame = new byte[HEADER + envelope.length];
        ByteBuffer.wrap(frame).putLong(origin).putLong(seq).put(envelope);
        return frame;
    }

    static long origin(byte[] frame)
    {
        return ByteBuffer.wrap(frame).getLong(0);
    }

    static long seq(byte[] frame)
    {
        return ByteBuffer.wrap(frame).getLong(8);
    }

    /**
     * @return the failure's own description, or its class when even that fails (a failure of the application whose
     * message has a bug, an OutOfMemoryError with the heap still full)
     */
    static String describe(Throwable failure)
    {
        try
        {
            return failure.toString();
        }
        catch (Throwable x)
        {
            return failure.getClass().getName();
        }
    }

    /**
     * Logs that a frame was skipped because its handling failed, saying who and why; if even that fails (the heap is
     * full), the frame is skipped all the same.
     */
    static void logSkipped(org.slf4j.Logger log, String who, byte[] frame, Throwable failure)
    {
        try
        {
            log.warn("{} could not handle a message ({} bytes), skipping it: {}", who, frame.length, describe(failure));
        }
        catch (Throwable x)
        {
            // not even that can be said
        }
    }
}
