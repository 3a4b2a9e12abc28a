package io.eggcluster.it.wars;

import io.eggcluster.jetty.api.AgentHook;
import io.eggcluster.jetty.api.Messenger;

/** In a test WAR: agent-side code that cannot start. */
public class FailingAgentHook implements AgentHook
{
    public static final String MESSAGE = "failing agent hook: no queue broker at broker.invalid";

    @Override
    public void start(Messenger messenger)
    {
        throw new IllegalStateException(MESSAGE);
    }
}
