package io.eggcluster.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The messenger across a worker's death: nothing that was accepted is lost. */
class MessengerRestartIT
{
    @Test
    void aRestartedWorkerGetsEveryCacheChangeIncludingThoseMadeWhileItWasDown() throws Exception
    {
        try (Cluster cluster = Cluster.start("cache-restart", "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long victim = ready.workerPids().get(0);
            long survivor = ready.workerPids().get(1);
            assertEquals(204, cluster.request("PUT", "/cache/before", "1").status());

            AtomicBoolean writing = new AtomicBoolean(true);
            List<String> accepted = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            Thread writer = new Thread(() ->
            {
                for (int i = 0; writing.get(); i++)
                {
                    String key = "k" + i;
                    try
                    {
                        int status = cluster.request("PUT", "/cache/" + key, "v" + i).status();
                        (status == 204 ? accepted : refused).add(key + ":" + status);
                    }
                    catch (Exception e)
                    {
                        refused.add(key + ":" + e);
                    }
                }
            }, "cache-writer");
            int mark = cluster.lineCount();
            writer.start();
            Thread.sleep(500);
            Cluster.kill9(victim);
            Matcher replaced = cluster.awaitLine(Pattern.compile("worker#1:(\\d+) ready in \\d+ ms"),
                Duration.ofSeconds(30), mark, true);
            long replacement = Long.parseLong(replaced.group(1));
            Thread.sleep(500);
            writing.set(false);
            writer.join(30_000);

            assertTrue(accepted.size() > 20, "writes kept being accepted: " + accepted.size() + ", refused " + refused);
            assertTrue(refused.size() <= 3, "only requests caught by the kill may fail: " + refused);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (long pid : List.of(survivor, replacement))
            {
                while (true)
                {
                    Cluster.Response whole = cluster.getFromEach("/cache", List.of(pid)).get(pid);
                    List<String> missing = new ArrayList<>();
                    for (String write : accepted)
                    {
                        String key = write.substring(0, write.indexOf(':'));
                        if (!whole.body().contains("\"" + key + "\":"))
                            missing.add(key);
                    }
                    if (!whole.body().contains("\"before\":\"1\""))
                        missing.add("before");
                    if (missing.isEmpty())
                        break;
                    assertTrue(System.nanoTime() < deadline, "worker " + pid + " lacks " + missing.size() + " of " +
                        accepted.size() + " accepted writes: " + missing);
                    Thread.sleep(100);
                }
            }
            System.out.println("writes accepted " + accepted.size() + ", refused " + refused.size() + " " + refused);
        }
    }

    @Test
    void messagesAWorkerHadTakenButNotHandledWhenItWasKilledReachItsReplacement() throws Exception
    {
        try (Cluster cluster = Cluster.start("killed-mid-batch", "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long victim = ready.workerPids().get(0);
            int mark = cluster.lineCount();
            // five probes to every worker, each taking 1.5 s to handle: worker#1 is busy with the first when it is
            // killed (sent by a worker: the answers to requests from the agent would wait behind the slow probes)
            Cluster.Response sent = cluster.request("POST", "/probe/send?pattern=sendToApp&tag=crash&count=5&sleepMs=1500",
                "");
            assertEquals(204, sent.status(), sent.body());
            Thread.sleep(500);
            Cluster.kill9(victim);
            Matcher replaced = cluster.awaitLine(Pattern.compile("worker#1:(\\d+) ready in \\d+ ms"),
                Duration.ofSeconds(30), mark, true);
            long replacement = Long.parseLong(replaced.group(1));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true)
            {
                String body = cluster.getFromEach("/probe/received?tag=crash&local", List.of(replacement)).get(replacement)
                    .body();
                int count = body.split("\"from\"", -1).length - 1;
                if (count == 5)
                    break;
                assertTrue(count < 5, "more than the five probes: " + body);
                assertTrue(System.nanoTime() < deadline, "the replacement got " + count + " of the 5 probes: " + body);
                Thread.sleep(200);
            }
        }
    }
}
