package io.eggcluster.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.HeldAgentHook;
import io.eggcluster.it.wars.ReadyHookListener;
import io.eggcluster.it.wars.ThrowingReadyListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Egg-ready hooks across restarts (Egg's "agent should restart and get egg-ready", "app worker gets egg-ready
 * once"), and a hook that throws. One cluster (the agent and one worker) for the class: a WAR whose first web.xml
 * listener's {@code onEggReady} throws, whose second counts its calls both ways a webapp registers a hook, and whose
 * agent hook prints egg-ready and every {@code held} message it gets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HooksIT
{
    private Cluster cluster;

    @BeforeAll
    void startCluster() throws Exception
    {
        cluster = Cluster.start("hooks", TestWars.withWar("hooks",
            List.of(ThrowingReadyListener.class, ReadyHookListener.class), HeldAgentHook.class), "jetty.egg.workers=1");
        cluster.awaitEggReady();
    }

    @AfterAll
    void stopCluster() throws Exception
    {
        if (cluster != null)
            cluster.close();
    }

    @Test
    void anEggReadyHookThatThrowsIsLoggedWithItsWebappAndTheOthersStillRun() throws Exception
    {
        cluster.awaitLine(Pattern.compile("worker#1:\\d+: webapp /hooks: the egg-ready hook " +
            Pattern.quote(ThrowingReadyListener.class.getName()) + " failed: java.lang.IllegalStateException: " +
            ThrowingReadyListener.MESSAGE), Duration.ofSeconds(10), 0, false);
        cluster.awaitLine(Pattern.compile("worker#1:\\d+: webapp /hooks: the egg-ready hook " +
            Pattern.quote(ThrowingReadyListener.class.getName()) + "\\$\\$Lambda\\S* failed: " +
            "java.lang.IllegalStateException: " + ThrowingReadyListener.MESSAGE), Duration.ofSeconds(10), 0, false);
        long worker = awaitEggReadyHooks(currentWorker());
        Cluster.Response status = cluster.get("/hooks/ready");
        assertEquals(worker, status.number("pid"));
        assertEquals(1, status.number("listenerCalls"), "the hook declared after the failing one ran: " + status.body());
        assertEquals(1, status.number("registeredCalls"), status.body());
    }

    @Test
    void aRestartedAgentGetsEggReadyAndTheMessagesSentWhileItWasDown() throws Exception
    {
        long agent = agentPid();
        int mark = cluster.lineCount();
        Cluster.kill9(agent);
        ProcessHandle.of(agent).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());

        Cluster.Response sent = cluster.request("POST", "/hooks/ready?held=5&tag=down", "");
        assertEquals(204, sent.status(), sent.body());
        int afterSends = cluster.lineCount();
        Pattern restartedLine = Pattern.compile("agent#0:(\\d+) ready in \\d+ ms");
        long restarted = Long.parseLong(cluster.awaitLine(restartedLine, Duration.ofSeconds(30), mark, true).group(1));
        assertNotEquals(agent, restarted);
        // the sends were accepted while no agent was ready: they were held for the restarted one
        cluster.awaitLine(Pattern.compile("agent#0:" + restarted + " ready in"), Duration.ZERO, afterSends, true);

        cluster.awaitLine(Pattern.compile("agent-hook: egg-ready #1 in " + restarted), Duration.ofSeconds(10), mark, false);
        List<String> held = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Pattern heldLine = Pattern.compile("agent-hook: held (\\S+) in " + restarted);
        while (held.size() < 5 && System.nanoTime() < deadline)
        {
            Thread.sleep(100);
            held = matches(heldLine, mark);
        }
        assertEquals(List.of("down-1", "down-2", "down-3", "down-4", "down-5"), held,
            "the restarted agent's hook got every message sent while it was down, once, in order");
        assertFalse(cluster.output().contains("agent-hook: egg-ready #2 in " + restarted), "egg-ready came once");
    }

    @Test
    void aReplacementWorkersEggReadyHooksRunOnce() throws Exception
    {
        long victim = awaitEggReadyHooks(currentWorker());
        int mark = cluster.lineCount();
        Cluster.kill9(victim);
        ProcessHandle.of(victim).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        Matcher replaced = cluster.awaitLine(Pattern.compile("worker#1:(\\d+) ready in \\d+ ms"), Duration.ofSeconds(30),
            mark, true);
        long replacement = Long.parseLong(replaced.group(1));
        assertNotEquals(victim, replacement);

        awaitEggReadyHooks(replacement);
        Thread.sleep(1000);
        Cluster.Response status = cluster.get("/hooks/ready");
        assertEquals(replacement, status.number("pid"));
        assertEquals(1, status.number("listenerCalls"), "the listener's onEggReady ran once: " + status.body());
        assertEquals(1, status.number("registeredCalls"), "the registered hook ran once: " + status.body());
        assertFalse(cluster.output().contains("#2 in " + replacement), "no hook ran twice:\n" +
            String.join("\n", matches(Pattern.compile("(ready-hook: .* in " + replacement + ")"), mark)));
    }

    /** Waits until both egg-ready hooks of the worker with that pid have run; returns the pid. */
    private long awaitEggReadyHooks(long worker) throws InterruptedException
    {
        cluster.awaitLine(Pattern.compile("ready-hook: listener #\\d+ in " + worker), Duration.ofSeconds(10), 0, false);
        cluster.awaitLine(Pattern.compile("ready-hook: registered #\\d+ in " + worker), Duration.ofSeconds(10), 0, false);
        return worker;
    }

    /** The pid of the worker serving now, once it serves (a replacement may still be starting). */
    private long currentWorker() throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            try
            {
                Cluster.Response response = cluster.get("/hooks/ready");
                if (response.status() == 200)
                    return response.number("pid");
            }
            catch (IOException e)
            {
                // a replacement joins the port only once its webapps are up
            }
            if (System.nanoTime() > deadline)
                throw new AssertionError("no worker serves /hooks/ready; last lines:\n" +
                    String.join("\n", cluster.lastLines(30)));
            Thread.sleep(100);
        }
    }

    private long agentPid() throws InterruptedException
    {
        List<String> pids = matches(Pattern.compile("^(?!\\[).*agent#0:(\\d+) ready in \\d+ ms"), 0);
        return Long.parseLong(pids.get(pids.size() - 1));
    }

    /** Group 1 of every line after {@code from} that matches, in order. */
    private List<String> matches(Pattern pattern, int from)
    {
        List<String> found = new ArrayList<>();
        List<String> lines = cluster.output().lines().toList();
        for (String line : lines.subList(Math.min(from, lines.size()), lines.size()))
        {
            Matcher matcher = pattern.matcher(line);
            if (matcher.find())
                found.add(matcher.group(1));
        }
        return found;
    }
}
