package io.eggcluster.jetty.api;

import java.util.EventListener;

/**
 * Egg's {@code egg-ready} hook: called once every process of the cluster is ready (the agent and every worker),
 * after which messages flow. Implement it on a class that is also a {@code ServletContextListener} declared in
 * {@code web.xml} (the extension finds it among the webapp's listeners), or register it with
 * {@link Messenger#onEggReady(EggReadyListener)}; registered after egg-ready, it is called at once on the
 * registering thread. Hooks registered before egg-ready are called on the messenger thread, before any message is
 * delivered to this process: such a hook cannot wait for the answer to a {@link Messenger#request request} (that
 * throws an {@link IllegalStateException}, the answer could only come after the hook returns); chain on the future
 * instead.
 *
 * <p>Each hook runs once per process (a replacement worker or a restarted agent is a new process, and runs its
 * hooks once egg-ready reaches it). A hook that throws is logged at WARN with the process, the webapp (or the agent
 * hook WAR's class loader), the hook's class and the exception; the other hooks still run and the messenger goes
 * on.</p>
 */
@FunctionalInterface
public interface EggReadyListener extends EventListener
{
    void onEggReady(Messenger messenger) throws Exception;
}
