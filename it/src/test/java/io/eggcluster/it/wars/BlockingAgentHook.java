package io.eggcluster.it.wars;

import io.eggcluster.jetty.api.AgentHook;
import io.eggcluster.jetty.api.Messenger;

/**
 * In a test WAR: agent-side code whose start never ends. It names no servlet class: the agent has no servlet API
 * (an agent hook that used {@link BlockingListener} would fail with NoClassDefFoundError instead of blocking).
 */
public class BlockingAgentHook implements AgentHook
{
    @Override
    public void start(Messenger messenger)
    {
        try
        {
            Thread.sleep(Long.MAX_VALUE);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
