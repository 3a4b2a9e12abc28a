package io.eggcluster.jetty.internal.child;

import java.nio.file.Path;

import io.eggcluster.jetty.internal.EggSettings;
import io.eggcluster.jetty.internal.messenger.ClusterClient;
import org.eclipse.jetty.server.Server;

/**
 * The agent (Egg's {@code agent_worker.js}): one Jetty JVM with no connector that runs no servlet; it starts the
 * agent hooks the base's WARs declare ({@link AgentHooks}) and is ready once they have started and it is connected
 * to the cluster.
 */
public class Agent extends Child
{
    public Agent(Server server, ClusterClient messenger, Path webapps, EggSettings.Health health)
    {
        super(server, messenger, health);
        addBean(new AgentHooks(webapps, messenger.messenger()));
    }
}
