package io.eggcluster.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.eggcluster.jetty.api.Messenger;

/**
 * The messenger's five patterns, to watch who receives what: a process sends a {@code probe} message tagged by the
 * caller with one pattern, and every process records, per tag, who it received probes from. A probe may ask its
 * receiver to take {@code sleepMs} over it first (a slow handler, to kill a process in the middle of its messages).
 */
final class Probes
{
    static final String ACTION = "probe";

    private final Map<String, List<Map<String, Object>>> received = new ConcurrentHashMap<>();

    /** Records the probes this process receives. */
    void listen(Messenger messenger)
    {
        messenger.on(ACTION, message ->
        {
            Map<?, ?> probe = (Map<?, ?>)message.data();
            if (probe.get("sleepMs") instanceof Number sleep && sleep.longValue() > 0)
                Thread.sleep(sleep.longValue());
            received.computeIfAbsent((String)probe.get("tag"), t -> new CopyOnWriteArrayList<>())
                .add(Map.of("from", message.sender().pid(), "role", message.sender().role().id()));
        });
    }

    List<Map<String, Object>> received(String tag)
    {
        return new ArrayList<>(received.getOrDefault(tag, List.of()));
    }

    /**
     * @param pattern broadcast, sendToApp, sendToAgent, sendRandom or sendTo
     * @param to the pid for sendTo
     * @throws IllegalArgumentException for an unknown pattern
     */
    static void send(Messenger messenger, String pattern, String tag, long to, long sleepMs)
    {
        Map<String, Object> probe = Map.of("tag", tag, "sleepMs", sleepMs);
        switch (pattern)
        {
            case "broadcast" -> messenger.broadcast(ACTION, probe);
            case "sendToApp" -> messenger.sendToApp(ACTION, probe);
            case "sendToAgent" -> messenger.sendToAgent(ACTION, probe);
            case "sendRandom" -> messenger.sendRandom(ACTION, probe);
            case "sendTo" -> messenger.sendTo(to, ACTION, probe);
            default -> throw new IllegalArgumentException("unknown pattern '" + pattern +
                "': expected broadcast, sendToApp, sendToAgent, sendRandom or sendTo");
        }
    }
}
