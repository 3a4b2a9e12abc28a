package io.eggcluster.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.eggcluster.it.wars.StreamListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The messenger across a graceful stop (SIGTERM) of a worker that is replaced: what is sent to it while it stops
 * reaches either its webapp or its replacement's, never neither.
 */
class MessengerStopIT
{
    @Test
    void everyNumberOfAStreamReachesAWorkerThatStopsGracefullyOrItsReplacement() throws Exception
    {
        try (Cluster cluster = Cluster.start("graceful-stream", TestWars.withListenerWar("stream", StreamListener.class),
            "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            // the worker the start request reaches sends; the other one is stopped
            Cluster.Response started = cluster.request("POST", "/stream/start?periodUs=1000", "");
            assertEquals(200, started.status(), started.body());
            long sender = started.number("pid");
            int victimIndex = ready.workerPids().get(0) == sender ? 1 : 0;
            long victim = ready.workerPids().get(victimIndex);
            Thread.sleep(1000);

            int mark = cluster.lineCount();
            Process term = new ProcessBuilder("kill", "-TERM", String.valueOf(victim)).inheritIO().start();
            assertEquals(0, term.waitFor(), "kill -TERM " + victim);
            Matcher replaced = cluster.awaitLine(Pattern.compile("worker#" + (victimIndex + 1) + ":(\\d+) ready in \\d+ ms"),
                Duration.ofSeconds(30), mark, true);
            long replacement = Long.parseLong(replaced.group(1));
            Thread.sleep(1000);

            Cluster.Response stopped = stopStream(cluster, sender);
            long sent = stopped.number("sent");
            Set<Long> refused = numbers(stopped.body().substring(stopped.body().indexOf("\"refused\":")));
            assertTrue(sent > 1500, "the stream ran through the stop and the replacement's start: " + sent + " sent");

            Path records = cluster.base().resolve("stream");
            Set<Long> missing = new TreeSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true)
            {
                Set<Long> received = read(records.resolve(victim + ".txt"));
                received.addAll(read(records.resolve(replacement + ".txt")));
                missing.clear();
                for (long n = 1; n <= sent; n++)
                {
                    if (!refused.contains(n) && !received.contains(n))
                        missing.add(n);
                }
                if (missing.isEmpty() || System.nanoTime() > deadline)
                    break;
                Thread.sleep(200);
            }
            System.out.println("stream: sent " + sent + ", refused " + refused.size() + ", victim " + victim +
                " received " + read(records.resolve(victim + ".txt")).size() + ", replacement " + replacement +
                " received " + read(records.resolve(replacement + ".txt")).size() + ", missing " + missing.size());
            assertTrue(missing.isEmpty(), missing.size() + " of " + sent + " numbers reached neither worker#" +
                (victimIndex + 1) + ":" + victim + " nor its replacement " + replacement + ": " + missing);
        }
    }

    /** POSTs /stream/stop on new connections until the sending worker answers (the kernel picks the worker). */
    private static Cluster.Response stopStream(Cluster cluster, long sender) throws IOException
    {
        List<Long> others = new ArrayList<>();
        for (int i = 0; i < 2000; i++)
        {
            Cluster.Response response = cluster.request("POST", "/stream/stop", "");
            if (response.status() == 200 && response.number("pid") == sender)
                return response;
            others.add(response.number("pid"));
        }
        throw new AssertionError("the sending worker " + sender + " never answered /stream/stop; others did: " + others);
    }

    private static Set<Long> read(Path file) throws IOException
    {
        Set<Long> numbers = new TreeSet<>();
        if (Files.exists(file))
        {
            String text = Files.readString(file);
            // a line still being written has no line break yet
            for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n"))
            {
                if (!line.isBlank())
                    numbers.add(Long.parseLong(line.trim()));
            }
        }
        return numbers;
    }

    private static Set<Long> numbers(String json)
    {
        Set<Long> numbers = new TreeSet<>();
        Matcher m = Pattern.compile("\\d+").matcher(json.substring(0, json.indexOf(']') + 1));
        while (m.find())
            numbers.add(Long.parseLong(m.group()));
        return numbers;
    }
}
