package io.eggcluster.it.wars;

import java.util.concurrent.atomic.AtomicInteger;

import io.eggcluster.jetty.api.AgentHook;
import io.eggcluster.jetty.api.Messenger;

/**
 * In a test WAR: an agent hook that prints {@code agent-hook: egg-ready #<n> in <pid>} on egg-ready and
 * {@code agent-hook: held <data> in <pid>} for every {@code held} message.
 */
public class HeldAgentHook implements AgentHook
{
    private static final AtomicInteger EGG_READY_CALLS = new AtomicInteger();

    @Override
    public void start(Messenger messenger)
    {
        long pid = ProcessHandle.current().pid();
        messenger.on("held", message -> System.out.println("agent-hook: held " + message.data() + " in " + pid));
        messenger.onEggReady(m -> System.out.println("agent-hook: egg-ready #" + EGG_READY_CALLS.incrementAndGet() +
            " in " + pid));
    }
}
