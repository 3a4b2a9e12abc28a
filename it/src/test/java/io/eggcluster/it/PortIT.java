package io.eggcluster.it;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A port already in use (Egg's own test suite checks this): start-up fails at once, naming the port and who holds
 * it, and nothing is forked; a second cluster on a running cluster's port is refused instead of silently taking
 * part of its connections (SO_REUSEPORT would let it bind).
 */
class PortIT
{
    @Test
    void aPortHeldByAPlainServerFailsStartUpAtOnceNamingThePort() throws Exception
    {
        try (ServerSocket held = new ServerSocket())
        {
            held.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = held.getLocalPort();
            long start = System.nanoTime();
            try (Cluster cluster = Cluster.start("port-held", "jetty.egg.workers=1", "jetty.http.port=" + port))
            {
                assertEquals(1, cluster.awaitExit(Duration.ofSeconds(30)));
                assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 15, "promptly");
                String output = cluster.output();
                assertTrue(output.contains("egg-cluster: cannot serve on 127.0.0.1:" + port + " (jetty.http.port): " +
                    "Address already in use"), output);
                assertTrue(output.contains("it is held by pid " + ProcessHandle.current().pid()), output);
                assertFalse(output.contains(" forked"), "nothing was forked:\n" + output);
            }
        }
    }

    @Test
    void aSecondClusterOnARunningClustersPortIsRefusedNamingTheFirst() throws Exception
    {
        try (Cluster first = Cluster.start("port-first", "jetty.egg.workers=1", "jetty.egg.standby=false"))
        {
            Cluster.EggReady ready = first.awaitEggReady();
            try (Cluster second = Cluster.start("port-second", "jetty.egg.workers=1", "jetty.http.port=" + first.port()))
            {
                assertEquals(1, second.awaitExit(Duration.ofSeconds(30)));
                String output = second.output();
                assertTrue(output.contains("it is held by another egg cluster: worker#1:" + ready.workerPids().get(0) +
                    " of the master pid " + first.master().pid() + " (jetty.base " + first.base()), output);
                assertFalse(output.contains(" forked"), "nothing was forked:\n" + output);
            }
            // the first cluster kept every connection: nobody else listens on its port
            for (int i = 0; i < 20; i++)
                assertEquals(ready.workerPids().get(0), first.get("/pid").number("pid"));
        }
    }
}
