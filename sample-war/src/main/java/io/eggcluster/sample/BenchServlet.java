package io.eggcluster.sample;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Messenger benchmarks, measured inside a worker:
 * <ul>
 *   <li>{@code GET /rtt?n=1000}: n sequential round trips, {@code sendToAgent("ping", {seq,pid})} answered by the
 *       agent with {@code sendTo(pid, "pong", {seq})}, each timed with {@code System.nanoTime};
 *       {@code {n,p50_us,p99_us,mean_us,min_us,max_us,total_ms,roundtrips_per_s,pid}};</li>
 *   <li>{@code GET /flood?n=100000}: n messages to the agent as fast as they go, then {@code flood-end}; the agent
 *       counts them and answers {@code flood-done} with the count; {@code {n,arrived,complete,elapsed_ms,msgs_per_s,pid}};</li>
 *   <li>{@code GET /broadcast-rtt?n=1000}: n sequential {@code sendToApp("bcast")}, each timed until every worker
 *       (this one included) answered {@code bcast-ack}; the same fields as {@code /rtt}.</li>
 * </ul>
 */
public class BenchServlet extends HttpServlet
{
    private static final int MAX_N = 1_000_000;
    private static final AtomicLong RUNS = new AtomicLong();
    private final Map<Long, CompletableFuture<Void>> pongs = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Long>> floods = new ConcurrentHashMap<>();
    private final Map<Long, CountDownLatch> broadcastAcks = new ConcurrentHashMap<>();

    @Override
    public void init()
    {
        Messenger messenger = messenger(getServletContext());
        if (messenger == null)
            return;
        messenger.on("pong", message ->
        {
            CompletableFuture<Void> pong = pongs.remove(((Number)((Map<?, ?>)message.data()).get("seq")).longValue());
            if (pong != null)
                pong.complete(null);
        });
        // every worker acknowledges a benchmark broadcast to its sender
        messenger.on("bcast", message ->
        {
            Map<?, ?> bcast = (Map<?, ?>)message.data();
            messenger.sendTo(((Number)bcast.get("pid")).longValue(), "bcast-ack", Map.of("seq", bcast.get("seq")));
        });
        messenger.on("bcast-ack", message ->
        {
            CountDownLatch acks = broadcastAcks.get(((Number)((Map<?, ?>)message.data()).get("seq")).longValue());
            if (acks != null)
                acks.countDown();
        });
        messenger.on("flood-done", message ->
        {
            Map<?, ?> done = (Map<?, ?>)message.data();
            CompletableFuture<Long> flood = floods.remove((String)done.get("run"));
            if (flood != null)
                flood.complete(((Number)done.get("arrived")).longValue());
        });
    }

    private static Messenger messenger(ServletContext context)
    {
        return (Messenger)context.getAttribute(Messenger.ATTRIBUTE);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Messenger messenger = messenger(getServletContext());
        if (messenger == null)
        {
            response.sendError(503, "not in an Egg cluster: no messenger");
            return;
        }
        int n;
        try
        {
            n = Integer.parseInt(request.getParameter("n") == null ? "1000" : request.getParameter("n"));
            if (n < 1 || n > MAX_N)
                throw new NumberFormatException();
        }
        catch (NumberFormatException e)
        {
            response.sendError(400, "n='" + request.getParameter("n") + "' must be a whole number from 1 to " + MAX_N);
            return;
        }
        response.setContentType("application/json");
        try
        {
            String path = request.getServletPath();
            response.getWriter().write(path.equals("/rtt") ? rtt(messenger, n) :
                path.equals("/broadcast-rtt") ? broadcastRtt(messenger, n) : flood(messenger, n));
        }
        catch (Exception e)
        {
            response.sendError(500, String.valueOf(e));
        }
    }

    private String rtt(Messenger messenger, int n) throws Exception
    {
        long pid = EggProcess.current().pid();
        return timed(n, pid, "roundtrips_per_s", seq ->
        {
            CompletableFuture<Void> pong = new CompletableFuture<>();
            pongs.put(seq, pong);
            messenger.sendToAgent("ping", Map.of("seq", seq, "pid", pid));
            pong.get(10, TimeUnit.SECONDS);
        });
    }

    /** n sequential sendToApp, each timed until every worker (this one included) acknowledged it. */
    private String broadcastRtt(Messenger messenger, int n) throws Exception
    {
        long pid = EggProcess.current().pid();
        return timed(n, pid, "broadcasts_per_s", seq ->
        {
            CountDownLatch acks = new CountDownLatch(messenger.workerCount());
            broadcastAcks.put(seq, acks);
            messenger.sendToApp("bcast", Map.of("seq", seq, "pid", pid));
            boolean all = acks.await(10, TimeUnit.SECONDS);
            broadcastAcks.remove(seq);
            if (!all)
                throw new IllegalStateException("broadcast " + seq + " acknowledged by " +
                    (messenger.workerCount() - acks.getCount()) + " of " + messenger.workerCount() + " workers in 10 s");
        });
    }

    /** One timed exchange of a sequential benchmark. */
    private interface Trial
    {
        void run(long seq) throws Exception;
    }

    private static String timed(int n, long pid, String rateName, Trial trial) throws Exception
    {
        long[] micros = new long[n];
        long base = RUNS.incrementAndGet() * MAX_N;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++)
        {
            long t0 = System.nanoTime();
            trial.run(base + i);
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        return timings(n, micros, System.nanoTime() - start, pid, rateName);
    }

    private static String timings(int n, long[] micros, long totalNanos, long pid, String rateName)
    {
        Arrays.sort(micros);
        long sum = 0;
        for (long m : micros)
            sum += m;
        return "{\"n\":" + n + ",\"p50_us\":" + micros[(int)(n * 0.50)] + ",\"p99_us\":" +
            micros[Math.min(n - 1, (int)(n * 0.99))] + ",\"mean_us\":" + sum / n + ",\"min_us\":" + micros[0] +
            ",\"max_us\":" + micros[n - 1] + ",\"total_ms\":" + totalNanos / 1_000_000 + ",\"" + rateName + "\":" +
            (long)(n / (totalNanos / 1e9)) + ",\"pid\":" + pid + "}";
    }

    private String flood(Messenger messenger, int n) throws Exception
    {
        long pid = EggProcess.current().pid();
        String run = pid + "-" + RUNS.incrementAndGet();
        CompletableFuture<Long> done = new CompletableFuture<>();
        floods.put(run, done);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++)
            messenger.sendToAgent("flood", Map.of("run", run, "seq", i));
        messenger.sendToAgent("flood-end", Map.of("run", run, "n", n, "pid", pid));
        long arrived = done.get(120, TimeUnit.SECONDS);
        long nanos = System.nanoTime() - start;
        return "{\"n\":" + n + ",\"arrived\":" + arrived + ",\"complete\":" + (arrived == n) + ",\"elapsed_ms\":" +
            nanos / 1_000_000 + ",\"msgs_per_s\":" + (long)(arrived / (nanos / 1e9)) + ",\"pid\":" + pid + "}";
    }
}
