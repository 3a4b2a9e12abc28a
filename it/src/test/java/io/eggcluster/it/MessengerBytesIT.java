package io.eggcluster.it;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.FloodListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The master's heap against large messages for a receiver that takes nothing: the hold of a slot is bounded in bytes
 * (jetty.egg.queueBytes), and a send past it is refused with an error the sender sees.
 */
class MessengerBytesIT
{
    /** A message of about 1 MiB, under the default jetty.egg.maxMessageBytes (1 MiB) with its envelope. */
    private static final int PAYLOAD = (1 << 20) - 1024;

    @Test
    void sendsOfOneMebibyteToAStoppedAgentAreRefusedByTheByteBudgetAndTheMasterStaysUp() throws Exception
    {
        try (Cluster cluster = Cluster.start("bytes", TestWars.withListenerWar("flood", FloodListener.class),
            "jetty.egg.workers=1"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long agent = ready.agentPid();
            signal("STOP", agent);
            try
            {
                Cluster.Response sent = cluster.request("POST", "/flood/send?count=1000&bytes=" + PAYLOAD, "");
                assertEquals(200, sent.status(), sent.body());
                long accepted = sent.number("accepted");
                long refused = sent.number("refused");
                String refusal = sent.text("refusal");
                System.out.println("1 MiB sends to a stopped agent: accepted " + accepted + ", refused " + refused +
                    ": " + refusal);
                assertEquals(1000, accepted + refused);
                assertTrue(refusal.contains("IllegalStateException") && refusal.contains("jetty.egg.queueBytes") &&
                    refusal.contains("agent"), refusal);
                // the default budget (64 MiB a slot at most) holds 64 such messages, the master says what it holds
                Matcher held = Pattern.compile("(\\d+) bytes held").matcher(refusal);
                assertTrue(held.find(), refusal);
                assertTrue(Long.parseLong(held.group(1)) <= 64 << 20, refusal);
                // and the sender has not piled up the rest instead: 8 MiB at most wait in its outbox
                assertTrue(accepted <= 64 + 9, accepted + " sends of 1 MiB accepted for an agent that takes nothing");
                assertTrue(Cluster.alive(cluster.master().pid()), "the master is alive");
                assertEquals(200, cluster.get("/pid").status(), "the cluster still answers HTTP");
            }
            finally
            {
                signal("CONT", agent);
            }
            assertTrue(Cluster.alive(cluster.master().pid()), "the master is alive");
        }
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException
    {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }
}
