package io.eggcluster.jetty.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ControlFiguresTest
{
    @Test
    void aHeartbeatCarriesTheChildsFigures()
    {
        Control.Figures figures = new Control.Figures(1 << 20, 17, 2, 5, 9);
        String line = Control.heartbeat(figures);
        assertEquals("heartbeat heap=1048576 requests=17 inflight=2 sent=5 received=9", line);
        assertEquals(figures, Control.heartbeatFigures(line));
    }

    @Test
    void aBareHeartbeatHasNoFigures()
    {
        assertEquals(Control.Figures.NONE, Control.heartbeatFigures("heartbeat"));
        assertNull(Control.heartbeatFigures("ready"));
        assertNull(Control.heartbeatFigures("heartbeats heap=1"));
    }

    @Test
    void whatTheMasterDoesNotTrustIsIgnored()
    {
        // the line comes from a child: unknown names, non-numbers, huge numbers and extra words are dropped
        assertEquals(new Control.Figures(-1, 3, -1, -1, -1),
            Control.heartbeatFigures("heartbeat heap=x requests=3 inflight=1e9 sent=99999999999999999999 evil=1 ="));
        assertEquals(new Control.Figures(-1, 1, -1, -1, -1),
            Control.heartbeatFigures("heartbeat requests=1 " + "a=1 ".repeat(10_000) + "heap=5"));
    }
}
