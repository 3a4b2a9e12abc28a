package io.eggcluster.jetty.api;

/**
 * Code a WAR runs in the agent process (Egg's {@code agent.js}): background work, a single long-lived connection,
 * the place where workers' updates are merged and re-broadcast. The agent does not run the WAR's servlets or
 * listeners; it loads the WAR's classes ({@code WEB-INF/classes}, {@code WEB-INF/lib}) and starts each hook the WAR
 * declares in {@code WEB-INF/classes/META-INF/services/io.eggcluster.jetty.api.AgentHook} (one class name a line,
 * each with a public no-argument constructor).
 *
 * <p>{@link #start(Messenger)} runs before the agent reports ready, so listeners registered there see every
 * message, including those sent before egg-ready. A hook that throws fails the agent's start. For code to run on
 * egg-ready, register an {@link EggReadyListener} with {@link Messenger#onEggReady} in {@code start}.</p>
 *
 * <p>An agent that dies is restarted, and its hooks start again in the new process: they register their listeners
 * again, get egg-ready again (once), and then every message that was sent to the agent while it was down, held for
 * it, in each sender's order.</p>
 */
public interface AgentHook
{
    /**
     * @param messenger the agent's messenger; {@link Messenger#workerCount()} tells how many workers to expect
     */
    void start(Messenger messenger) throws Exception;

    /** Called when the agent stops. */
    default void stop() throws Exception
    {
    }
}
