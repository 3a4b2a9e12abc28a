package io.eggcluster.it.wars;

import io.eggcluster.jetty.api.AgentHook;
import io.eggcluster.jetty.api.Messenger;

/** In a test WAR: agent-side code whose start never ends. */
public class BlockingAgentHook implements AgentHook
{
    @Override
    public void start(Messenger messenger)
    {
        BlockingListener.sleepForever();
    }
}
