package io.eggcluster.jetty.internal.messenger;

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
}
