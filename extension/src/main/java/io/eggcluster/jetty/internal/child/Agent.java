package io.eggcluster.jetty.internal.child;

import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.server.Server;

/**
 * The agent (Egg's {@code agent_worker.js}): one Jetty JVM with no connector and no webapps, ready as soon as its
 * server has started.
 */
public class Agent extends Child
{
    public Agent(Server server)
    {
        super(server, Role.AGENT, 0);
    }
}
