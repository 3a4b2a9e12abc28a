package io.eggcluster.sample;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

import io.eggcluster.jetty.api.AgentHook;
import io.eggcluster.jetty.api.Messenger;

/**
 * The agent side of the seed scenarios (declared in META-INF/services/io.eggcluster.jetty.api.AgentHook): counts
 * the workers that said {@code worker-ready}, and keeps the cache that every worker mirrors. Everything runs on the
 * agent's messenger thread, one message at a time, so the plain maps need no locks.
 */
public class SampleAgent implements AgentHook
{
    private static final Logger LOG = Logger.getLogger(SampleAgent.class.getName());

    private final Map<Integer, Long> readyWorkers = new TreeMap<>();
    private final Map<String, Object> cache = new LinkedHashMap<>();
    private boolean announced;

    @Override
    public void start(Messenger messenger)
    {
        messenger.on("worker-ready", message ->
        {
            Map<?, ?> worker = (Map<?, ?>)message.data();
            readyWorkers.put(((Number)worker.get("workerId")).intValue(), ((Number)worker.get("pid")).longValue());
            int count = readyWorkers.size();
            boolean all = count >= messenger.workerCount();
            if (all && !announced)
            {
                announced = true;
                LOG.info("sample: all workers ready: " + count + " of " + messenger.workerCount() + " " + readyWorkers);
                messenger.sendRandom("all-worker-ready", Map.of("readyWorkers", count));
            }
            messenger.sendToApp("ready-count", Map.of("readyWorkers", count, "allWorkersReady", all));
        });
        messenger.on("cache-set", message ->
        {
            Map<?, ?> change = (Map<?, ?>)message.data();
            cache.put((String)change.get("key"), change.get("value"));
            messenger.sendToApp("cache-update", change);
        });
        Probes probes = new Probes();
        probes.listen(messenger);
        messenger.handle("probe-received", request ->
            Map.of("pid", messenger.self().pid(), "received", probes.received((String)request.data())));
        messenger.handle("probe-send", request ->
        {
            Map<?, ?> what = (Map<?, ?>)request.data();
            Probes.send(messenger, (String)what.get("pattern"), (String)what.get("tag"), ((Number)what.get("to")).longValue(),
                ((Number)what.get("sleepMs")).longValue());
            return null;
        });
        // benchmarks (BenchServlet): answer pings, count floods
        messenger.on("ping", message ->
        {
            Map<?, ?> ping = (Map<?, ?>)message.data();
            messenger.sendTo(((Number)ping.get("pid")).longValue(), "pong", Map.of("seq", ping.get("seq")));
        });
        Map<Object, Long> floods = new java.util.HashMap<>();
        messenger.on("flood", message -> floods.merge(((Map<?, ?>)message.data()).get("run"), 1L, Long::sum));
        messenger.on("flood-end", message ->
        {
            Map<?, ?> end = (Map<?, ?>)message.data();
            Long arrived = floods.remove(end.get("run"));
            messenger.sendTo(((Number)end.get("pid")).longValue(), "flood-done",
                Map.of("run", end.get("run"), "arrived", arrived == null ? 0L : arrived));
        });
        messenger.on("cache-sync", message ->
            messenger.sendTo(message.sender().pid(), "cache-snapshot", Map.of("entries", new LinkedHashMap<>(cache))));
    }
}
