package io.eggcluster.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The messenger between real processes: Egg's five patterns from a worker and from the agent, and the sample WAR's
 * seed scenarios. One cluster of 2 workers serves the pattern and scenario tests (each uses its own tags and keys).
 */
class MessengerIT
{
    private static final Pattern RECEIVED = Pattern.compile("\"received\":\\[([^\\]]*)]");
    private static final Pattern FROM = Pattern.compile("\"from\":(\\d+),\"role\":\"(\\w+)\"");

    private static Cluster cluster;
    private static Cluster.EggReady ready;

    @BeforeAll
    static void startCluster() throws Exception
    {
        cluster = Cluster.start("messenger", "jetty.egg.workers=2");
        ready = cluster.awaitEggReady();
    }

    @AfterAll
    static void stopCluster() throws Exception
    {
        cluster.close();
    }

    /** Who received the probes of one tag: "worker:<pid>" / "agent" to the list of senders ("worker:<pid>", "agent"). */
    private static Map<String, List<String>> received(String tag) throws Exception
    {
        Map<String, List<String>> byReceiver = new HashMap<>();
        for (Map.Entry<Long, Cluster.Response> answer : cluster.getFromEach("/probe/received?tag=" + tag,
            ready.workerPids()).entrySet())
        {
            Matcher lists = RECEIVED.matcher(answer.getValue().body());
            assertTrue(lists.find(), answer.getValue().body());
            byReceiver.put("worker:" + answer.getKey(), senders(lists.group(1)));
            assertTrue(lists.find(), answer.getValue().body());
            byReceiver.put("agent", senders(lists.group(1)));
        }
        return byReceiver;
    }

    private static List<String> senders(String list)
    {
        List<String> senders = new ArrayList<>();
        Matcher from = FROM.matcher(list);
        while (from.find())
            senders.add(from.group(2).equals("agent") ? "agent" : "worker:" + from.group(1));
        return senders;
    }

    /** Waits until {@code expected} receivers got what they should, then checks that nobody got more. */
    private static Map<String, List<String>> awaitReceived(String tag, int deliveries) throws Exception
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<String, List<String>> received;
        do
        {
            received = received(tag);
            if (received.values().stream().mapToInt(List::size).sum() >= deliveries)
                break;
            Thread.sleep(50);
        }
        while (System.nanoTime() < deadline);
        Thread.sleep(300);
        return received(tag);
    }

    private static long sendProbe(String pattern, String tag, String extra) throws Exception
    {
        Cluster.Response response = cluster.request("POST", "/probe/send?pattern=" + pattern + "&tag=" + tag + extra, "");
        assertEquals(204, response.status(), response.body());
        return 0;
    }

    /** The worker that sent: the one every received list names (there is only one sender per tag). */
    private static String senderOf(Map<String, List<String>> received)
    {
        Set<String> senders = new HashSet<>();
        received.values().forEach(senders::addAll);
        assertEquals(1, senders.size(), "one sender: " + received);
        return senders.iterator().next();
    }

    private static String worker(long pid)
    {
        return "worker:" + pid;
    }

    @Test
    void fromAWorkerBroadcastReachesEveryWorkerItselfIncludedAndTheAgent() throws Exception
    {
        sendProbe("broadcast", "w-broadcast", "");
        Map<String, List<String>> received = awaitReceived("w-broadcast", 3);
        String sender = senderOf(received);
        assertEquals(Map.of(worker(ready.workerPids().get(0)), List.of(sender), worker(ready.workerPids().get(1)),
            List.of(sender), "agent", List.of(sender)), received);
    }

    @Test
    void fromAWorkerSendToAppReachesEveryWorkerItselfIncludedNotTheAgent() throws Exception
    {
        sendProbe("sendToApp", "w-app", "");
        Map<String, List<String>> received = awaitReceived("w-app", 2);
        String sender = senderOf(received);
        assertEquals(Map.of(worker(ready.workerPids().get(0)), List.of(sender), worker(ready.workerPids().get(1)),
            List.of(sender), "agent", List.of()), received);
    }

    @Test
    void fromAWorkerSendToAgentAndSendRandomReachOnlyTheAgent() throws Exception
    {
        for (String pattern : List.of("sendToAgent", "sendRandom"))
        {
            String tag = "w-" + pattern;
            sendProbe(pattern, tag, "");
            Map<String, List<String>> received = awaitReceived(tag, 1);
            String sender = senderOf(received);
            assertEquals(Map.of(worker(ready.workerPids().get(0)), List.of(), worker(ready.workerPids().get(1)),
                List.of(), "agent", List.of(sender)), received, pattern);
        }
    }

    @Test
    void sendToReachesOnlyTheProcessWithThatPid() throws Exception
    {
        long target = ready.workerPids().get(1);
        sendProbe("sendTo", "w-to", "&to=" + target);
        Map<String, List<String>> received = awaitReceived("w-to", 1);
        assertEquals(1, received.get(worker(target)).size(), received.toString());
        assertEquals(List.of(), received.get(worker(ready.workerPids().get(0))));
        assertEquals(List.of(), received.get("agent"));

        sendProbe("sendTo", "a-to", "&from=agent&to=" + target);
        assertEquals(Map.of(worker(target), List.of("agent"), worker(ready.workerPids().get(0)), List.of(), "agent",
            List.of()), awaitReceived("a-to", 1));

        Cluster.Response unknown = cluster.request("POST", "/probe/send?pattern=sendTo&tag=x&to=1", "");
        assertEquals(400, unknown.status());
        assertTrue(unknown.body().contains("no process with pid 1"), unknown.body());
    }

    @Test
    void fromTheAgentBroadcastSendToAppSendToAgentAndSendRandomFollowEgg() throws Exception
    {
        List<Long> w = ready.workerPids();
        sendProbe("broadcast", "a-broadcast", "&from=agent");
        assertEquals(Map.of(worker(w.get(0)), List.of("agent"), worker(w.get(1)), List.of("agent"), "agent",
            List.of("agent")), awaitReceived("a-broadcast", 3));

        sendProbe("sendToApp", "a-app", "&from=agent");
        assertEquals(Map.of(worker(w.get(0)), List.of("agent"), worker(w.get(1)), List.of("agent"), "agent",
            List.of()), awaitReceived("a-app", 2));

        sendProbe("sendToAgent", "a-agent", "&from=agent");
        assertEquals(Map.of(worker(w.get(0)), List.of(), worker(w.get(1)), List.of(), "agent", List.of("agent")),
            awaitReceived("a-agent", 1));

        for (int i = 0; i < 6; i++)
            sendProbe("sendRandom", "a-random", "&from=agent");
        Map<String, List<String>> random = awaitReceived("a-random", 6);
        assertEquals(List.of(), random.get("agent"));
        assertEquals(6, random.get(worker(w.get(0))).size() + random.get(worker(w.get(1))).size(),
            "each sendRandom reached exactly one worker: " + random);
    }

    @Test
    void everyWorkerIsReadyAndTheAgentChoseExactlyOne() throws Exception
    {
        Map<Long, Cluster.Response> answers = cluster.getFromEach("/all-ready", ready.workerPids());
        int chosen = 0;
        for (Cluster.Response answer : answers.values())
        {
            assertEquals(2, answer.number("readyWorkers"), answer.body());
            assertTrue(answer.body().contains("\"allWorkersReady\":true"), answer.body());
            if (answer.body().contains("\"chosen\":true"))
                chosen++;
        }
        assertEquals(1, chosen, "exactly one worker was chosen: " + answers);
        cluster.awaitLine(Pattern.compile("\\[agent#0:" + ready.agentPid() + "] .*sample: all workers ready: 2 of 2"),
            Duration.ofSeconds(5), 0, false);
    }

    @Test
    void aCacheChangeOnOneWorkerReachesEveryWorker() throws Exception
    {
        Cluster.Response put = cluster.request("PUT", "/cache/colour", "blue");
        assertEquals(204, put.status(), put.body());
        long putAt = System.nanoTime();
        Map<Long, Long> seenAfterMs = new HashMap<>();
        // the writer has it when its PUT answers; the others get it from the agent a moment later
        while (seenAfterMs.size() < ready.workerPids().size())
        {
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - putAt);
            assertTrue(elapsedMs < 2000, "not every worker has the new value after 2 s: " + seenAfterMs);
            Cluster.Response answer = cluster.get("/cache/colour");
            if (answer.status() == 200)
            {
                assertEquals("blue", answer.text("value"), answer.body());
                seenAfterMs.putIfAbsent(answer.number("pid"), elapsedMs);
            }
        }
        System.out.println("cache change seen by each worker (pid: ms after the PUT's answer, including finding it " +
            "over new connections): " + seenAfterMs);
        assertEquals(404, cluster.get("/cache/never-set").status());
    }
}
