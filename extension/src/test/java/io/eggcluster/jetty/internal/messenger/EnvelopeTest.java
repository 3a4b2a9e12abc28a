package io.eggcluster.jetty.internal.messenger;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeTest
{
    private static final EggProcess SENDER = new EggProcess(Role.WORKER, 3, 4242);

    private static Envelope roundTrip(Object data)
    {
        Envelope sent = new Envelope(Envelope.Kind.REQUEST, "act", SENDER, 77, 9, data);
        return Envelope.decode(sent.encode(1 << 20));
    }

    @Test
    void everyJsonLikeValueComesBackWithItsJavaType()
    {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("null", null);
        data.put("yes", true);
        data.put("no", false);
        data.put("int", 7);
        data.put("long", 1L << 40);
        data.put("double", 2.5);
        data.put("float", 1.5f);
        data.put("short", (short)3);
        data.put("byte", (byte)-1);
        data.put("big", new BigInteger("123456789012345678901234567890"));
        data.put("decimal", new BigDecimal("0.1000"));
        data.put("text", "naïve ☃ 𝄞");
        data.put("list", List.of(1, "two", List.of(), Map.of("k", "v")));
        Envelope back = roundTrip(data);
        assertEquals(data, back.data());
        assertEquals(new ArrayList<>(data.keySet()), new ArrayList<>(((Map<?, ?>)back.data()).keySet()), "key order kept");
        assertEquals("act", back.action());
        assertEquals(Envelope.Kind.REQUEST, back.kind());
        assertEquals(4242, back.sender().pid());
        assertEquals(3, back.sender().workerId());
        assertEquals(Role.WORKER, back.sender().role());
        assertEquals(77, back.targetPid());
        assertEquals(9, back.requestId());
    }

    @Test
    void whatArrivesCannotBeChangedByOneListenerForTheNext()
    {
        Map<?, ?> back = (Map<?, ?>)roundTrip(new HashMap<>(Map.of("list", new ArrayList<>(List.of(1))))).data();
        assertThrows(UnsupportedOperationException.class, () -> back.remove("list"));
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>)back.get("list")).clear());
    }

    @Test
    void refusalsNameTheTypeAndWhereItIs()
    {
        IllegalArgumentException array = assertThrows(IllegalArgumentException.class,
            () -> roundTrip(Map.of("items", List.of(1, new int[] {2}))));
        assertTrue(array.getMessage().contains("holds a [I at data.items[1]"), array.getMessage());
        assertTrue(array.getMessage().contains("action 'act'"), array.getMessage());

        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        IllegalArgumentException deep = assertThrows(IllegalArgumentException.class, () -> roundTrip(cycle));
        assertTrue(deep.getMessage().contains("a cycle?"), deep.getMessage());
    }

    @Test
    void theSizeLimitIsCheckedWhileEncoding()
    {
        byte[] big = new byte[100];
        Arrays.fill(big, (byte)'x');
        Envelope envelope = new Envelope(Envelope.Kind.MESSAGE, "big", SENDER, 0, 0, new String(big));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> envelope.encode(64));
        assertTrue(e.getMessage().contains("jetty.egg.maxMessageBytes=64"), e.getMessage());
        assertTrue(envelope.encode(1000).length > 100);
    }

    // ---- decoding what anyone may have sent: refused with a message, never an Error, and at once

    private static final int LIST = 12, MAP = 13, STRING = 11, NULL = 0;

    /** An envelope's bytes up to its payload: a valid one whose payload (a null, its last byte) is cut off. */
    private static byte[] head()
    {
        byte[] valid = new Envelope(Envelope.Kind.MESSAGE, "a", SENDER, 0, 0, null).encode(1 << 20);
        assertEquals(NULL, valid[valid.length - 1]);
        return Arrays.copyOf(valid, valid.length - 1);
    }

    private interface Writes
    {
        void to(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writes writes)
    {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes))
        {
            writes.to(out);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** An envelope whose payload is {@code payload}. */
    private static byte[] withPayload(Writes payload)
    {
        return bytes(out ->
        {
            out.write(head());
            payload.to(out);
        });
    }

    /** @return the message of the refusal, which must be an exception (not an Error) and come within a second */
    private static String refused(byte[] bytes)
    {
        long start = System.nanoTime();
        Throwable thrown = null;
        try
        {
            Envelope.decode(bytes);
        }
        catch (Throwable x)
        {
            thrown = x;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertNotNull(thrown, "decoded");
        Throwable refusal = thrown;
        assertTrue(refusal instanceof IllegalArgumentException || refusal instanceof UncheckedIOException,
            () -> "refused with " + refusal);
        assertTrue(ms < 1000, "refused after " + ms + " ms");
        assertNotNull(refusal.getMessage());
        return refusal.getMessage();
    }

    @Test
    void aStringLongerThanTheBytesLeftIsRefusedBeforeItsArrayIsAllocated()
    {
        String message = refused(withPayload(out ->
        {
            out.writeByte(STRING);
            out.writeInt(Integer.MAX_VALUE);
            out.write(new byte[12]);
        }));
        assertEquals("string length 2147483647 exceeds the 12 bytes left", message);

        // the action's length, in the envelope's head
        message = refused(bytes(out ->
        {
            out.writeByte(1);
            out.writeByte(Envelope.Kind.MESSAGE.ordinal());
            out.writeInt(Integer.MAX_VALUE);
            out.write(new byte[40]);
        }));
        assertEquals("string length 2147483647 exceeds the 40 bytes left", message);

        message = refused(withPayload(out ->
        {
            out.writeByte(STRING);
            out.writeInt(-1);
        }));
        assertEquals("string length -1 is negative", message);
    }

    @Test
    void aListOrMapSizeBeyondWhatTheBytesLeftCanHoldIsRefused()
    {
        String message = refused(withPayload(out ->
        {
            out.writeByte(LIST);
            out.writeInt(Integer.MAX_VALUE);
            out.write(new byte[3]);
        }));
        assertEquals("list size 2147483647 exceeds the 3 bytes left", message);

        message = refused(withPayload(out ->
        {
            out.writeByte(MAP);
            out.writeInt(Integer.MAX_VALUE);
            out.write(new byte[3]);
        }));
        assertTrue(message.startsWith("map size 2147483647 exceeds the 3 bytes left"), message);

        // a map entry takes 5 bytes at least (its key's length and its value's tag): 2 entries do not fit in 9
        message = refused(withPayload(out ->
        {
            out.writeByte(MAP);
            out.writeInt(2);
            out.write(new byte[9]);
        }));
        assertTrue(message.startsWith("map size 2 exceeds the 9 bytes left"), message);
    }

    @Test
    void nestingDeeperThanEncodingAllowsIsRefusedWithoutRecursingIntoIt()
    {
        byte[] deep = withPayload(out ->
        {
            for (int i = 0; i < 200_000; i++)
            {
                out.writeByte(LIST);
                out.writeInt(1);
            }
            out.writeByte(NULL);
        });
        assertEquals("message payload is nested deeper than 64", refused(deep));

        // as deep as encoding allows still comes back
        Object nested = "bottom";
        for (int i = 0; i < 64; i++)
            nested = List.of(nested);
        assertEquals(nested, roundTrip(nested).data());
        Object tooDeep = List.of(nested);
        assertThrows(IllegalArgumentException.class, () -> roundTrip(tooDeep));
    }

    @Test
    void listsNestedToTheCapEachClaimingAllTheBytesLeftAllocateNoMoreThanTheyRead()
    {
        // 64 lists, each claiming to hold as many elements as there are bytes left, then 1 MB of nothing
        int padding = 1 << 20;
        byte[] claims = withPayload(out ->
        {
            for (int i = 0; i < 64; i++)
            {
                out.writeByte(LIST);
                out.writeInt(padding + 5 * (63 - i));
            }
            out.write(new byte[padding]);
        });
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        refused(claims);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // the 1 MB of nulls becomes one list of a million references: a few MB, not 64 lists of a million each
        assertTrue(allocated < 64L * padding, "allocated " + allocated + " bytes to refuse " + claims.length);
    }

    @Test
    void unknownKindsRolesAndTagsAndCutMessagesAreRefusedByName()
    {
        byte[] valid = new Envelope(Envelope.Kind.MESSAGE, "a", SENDER, 0, 0, 5).encode(1 << 20);

        byte[] kind = valid.clone();
        kind[1] = (byte)200;
        assertEquals("unknown message kind 200", refused(kind));

        byte[] role = valid.clone();
        role[2 + 4 + 1] = (byte)9;
        assertEquals("unknown sender role 9", refused(role));

        assertEquals("unknown value tag 99", refused(withPayload(out -> out.writeByte(99))));

        byte[] version = valid.clone();
        version[0] = 2;
        assertEquals("message encoding version 2 is not 1", refused(version));

        assertTrue(refused(Arrays.copyOf(valid, valid.length - 2)).startsWith("message ends in the middle"));

        assertEquals(5, Envelope.decode(valid).data(), "the valid one still decodes");
    }
}
