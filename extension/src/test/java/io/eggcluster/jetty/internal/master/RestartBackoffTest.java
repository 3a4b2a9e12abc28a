package io.eggcluster.jetty.internal.master;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RestartBackoffTest
{
    @Test
    void aCrashLoopWaitsLongerEachTimeUpTo15Seconds()
    {
        RestartBackoff backoff = new RestartBackoff();
        assertEquals(0, backoff.delayAfterDeath(200, false), "a slot's first death restarts at once");
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 14; i++)
            delays.add(backoff.delayAfterDeath(200, true));
        assertEquals(List.of(100L, 150L, 225L, 338L, 506L, 759L, 1139L, 1709L, 2563L, 3844L, 5767L, 8650L, 12975L,
            15000L), delays);
        assertEquals(14, backoff.quickDeaths());
    }

    @Test
    void thirtySecondsOfUptimeEndTheRow()
    {
        RestartBackoff backoff = new RestartBackoff();
        backoff.delayAfterDeath(1000, true);
        backoff.delayAfterDeath(1000, true);
        assertEquals(0, backoff.delayAfterDeath(30_000, true), "healthy for 30 s: at once");
        assertEquals(0, backoff.quickDeaths());
        assertEquals(100, backoff.delayAfterDeath(29_999, true), "the row starts again");
    }
}
