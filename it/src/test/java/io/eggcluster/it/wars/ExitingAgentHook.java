package io.eggcluster.it.wars;

import io.eggcluster.jetty.api.AgentHook;
import io.eggcluster.jetty.api.Messenger;

/** In a test WAR: agent-side code that starts, then ends its process 1.5 s later (while the workers deploy). */
public class ExitingAgentHook implements AgentHook
{
    @Override
    public void start(Messenger messenger)
    {
        Thread exit = new Thread(() ->
        {
            try
            {
                Thread.sleep(1500);
            }
            catch (InterruptedException ignored)
            {
                // exit now
            }
            System.exit(7);
        });
        exit.setDaemon(true);
        exit.start();
    }
}
