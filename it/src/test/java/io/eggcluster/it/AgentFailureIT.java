package io.eggcluster.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import io.eggcluster.it.wars.BlockingAgentHook;
import io.eggcluster.it.wars.BlockingListener;
import io.eggcluster.it.wars.ExitingAgentHook;
import io.eggcluster.it.wars.FailingAgentHook;
import io.eggcluster.it.wars.SlowListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent failing before egg-ready (Egg's own test suite checks each): the master exits 1 naming the cause, forks
 * no worker when the agent never got ready, leaves no process, and the port is never served.
 */
class AgentFailureIT
{
    @Test
    void anAgentHookThatThrowsFailsStartUpBeforeAnyWorker() throws Exception
    {
        try (Cluster cluster = Cluster.start("agent-throws", TestWars.withAgentHookWar("broker", FailingAgentHook.class),
            "jetty.egg.workers=2"))
        {
            assertEquals(1, cluster.awaitExit(Duration.ofSeconds(60)));
            String output = cluster.output();
            assertTrue(output.matches("(?s).*egg-cluster failed: agent#0:\\d+ died before egg-ready: failed to start: .*" +
                FailingAgentHook.MESSAGE + ".*"), output);
            assertFalse(output.contains("worker#1:"), "no worker was forked:\n" + output);
            assertNothingLeft(cluster);
        }
    }

    @Test
    void anAgentThatExitsWhileTheWorkersDeployFailsStartUp() throws Exception
    {
        try (Cluster cluster = Cluster.start("agent-exits", base ->
        {
            TestWars.withAgentHookWar("broker", ExitingAgentHook.class).accept(base);
            TestWars.withListenerWar("slow", SlowListener.class).accept(base);
        }, "jetty.egg.workers=2", "jetty.egg.standby=false"))
        {
            assertEquals(1, cluster.awaitExit(Duration.ofSeconds(60)));
            String output = cluster.output();
            assertTrue(output.matches("(?s).*egg-cluster failed: agent#0:\\d+ died before egg-ready: exited with exit " +
                "code 7.*"), output);
            assertTrue(output.contains("worker#1:"), "the workers were deploying:\n" + output);
            assertFalse(output.contains("egg-ready in"), output);
            assertNothingLeft(cluster);
        }
    }

    @Test
    void anAgentThatBlocksPastItsStartTimeoutFailsStartUpBeforeAnyWorker() throws Exception
    {
        try (Cluster cluster = Cluster.start("agent-blocks", TestWars.withAgentHookWar("broker", BlockingAgentHook.class,
            BlockingListener.class), "jetty.egg.workers=2", "jetty.egg.agentStartTimeout=3000"))
        {
            assertEquals(1, cluster.awaitExit(Duration.ofSeconds(60)));
            String output = cluster.output();
            assertTrue(output.matches("(?s).*egg-cluster failed: agent#0:\\d+ died before egg-ready: not ready within 3000 " +
                "ms \\(jetty.egg.agentStartTimeout\\).*"), output);
            assertFalse(output.contains("worker#1:"), "no worker was forked:\n" + output);
            assertNothingLeft(cluster);
        }
    }

    private static void assertNothingLeft(Cluster cluster) throws InterruptedException
    {
        for (long pid : cluster.childPids())
        {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().completeOnTimeout(null, 10, java.util.concurrent.TimeUnit.SECONDS).join());
            assertFalse(Cluster.alive(pid), "child " + pid + " is gone");
        }
        assertThrows(IOException.class, () ->
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", cluster.port()), 1000);
            }
        }, "nothing serves the port");
    }
}
