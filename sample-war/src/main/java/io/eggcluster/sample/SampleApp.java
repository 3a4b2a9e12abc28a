package io.eggcluster.sample;

import java.util.Map;

import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * The worker side of the seed scenarios (declared in web.xml):
 * <ol>
 *   <li>on egg-ready, tells the agent {@code worker-ready}; the agent answers every worker with {@code ready-count},
 *       and one random worker with {@code all-worker-ready} (it is "chosen" for a one-off job);</li>
 *   <li>keeps an in-memory cache: a PUT goes to the agent ({@code cache-set}), which sends {@code cache-update} to
 *       every worker; on egg-ready a worker asks the agent for the whole cache ({@code cache-sync}).</li>
 * </ol>
 */
public class SampleApp implements ServletContextListener, EggReadyListener
{
    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        WorkerState state = new WorkerState();
        context.setAttribute(WorkerState.ATTRIBUTE, state);
        Messenger messenger = (Messenger)context.getAttribute(Messenger.ATTRIBUTE);
        if (messenger == null)
        {
            context.log("sample: not in an Egg cluster, the messenger scenarios are off");
            return;
        }
        Probes probes = new Probes();
        probes.listen(messenger);
        context.setAttribute(ProbeServlet.ATTRIBUTE, probes);
        messenger.on("all-worker-ready", message ->
        {
            state.chosen = true;
            context.log("sample: chosen for the one-off job: all " + number(message.data(), "readyWorkers") +
                " workers are ready");
        });
        messenger.on("ready-count", message ->
        {
            state.readyWorkers = number(message.data(), "readyWorkers");
            state.allWorkersReady = Boolean.TRUE.equals(((Map<?, ?>)message.data()).get("allWorkersReady"));
        });
        messenger.on("cache-update", message ->
        {
            Map<?, ?> update = (Map<?, ?>)message.data();
            state.cache.put((String)update.get("key"), (String)update.get("value"));
            var write = state.pendingWrites.remove(String.valueOf(update.get("id")));
            if (write != null)
                write.complete(null);
        });
        messenger.on("cache-snapshot", message ->
        {
            Map<?, ?> entries = (Map<?, ?>)((Map<?, ?>)message.data()).get("entries");
            entries.forEach((key, value) -> state.cache.put((String)key, (String)value));
            context.log("sample: cache synchronised from the agent, " + entries.size() + " entries");
        });
    }

    @Override
    public void onEggReady(Messenger messenger)
    {
        Map<String, Object> me = Map.of("pid", messenger.self().pid(), "workerId", messenger.self().workerId());
        messenger.sendToAgent("worker-ready", me);
        messenger.sendToAgent("cache-sync", me);
    }

    static int number(Object data, String field)
    {
        return ((Number)((Map<?, ?>)data).get(field)).intValue();
    }
}
