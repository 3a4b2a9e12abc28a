package io.eggcluster.jetty.internal.messenger;

import io.eggcluster.jetty.api.Messenger;

/**
 * This process's messenger, for {@link Messenger#current()}: the one lookup a webapp's code reaches without a
 * {@code ServletContext} (the API finds this class by name). A {@link ClusterClient} installs its messenger when it
 * starts; in an embedded container without a cluster (tests) a messenger is installed by hand.
 *
 * <p>The only mutable static of the messenger besides {@link ClusterClient}'s standby hand-off: {@code Messenger}
 * is an interface with a static method, and what it returns must be found from anywhere in the JVM.</p>
 */
public final class ProcessMessenger
{
    private static volatile ClusterMessenger current;

    private ProcessMessenger()
    {
    }

    /**
     * @return the messenger of this process, or null when this process is not an agent or a worker
     */
    public static Messenger current()
    {
        return current;
    }

    /**
     * Makes {@code messenger} this JVM's messenger: what a {@link ClusterClient} does when it starts, and, without
     * any cluster, what a test does for the webapps of an embedded container.
     */
    public static void install(ClusterMessenger messenger)
    {
        current = messenger;
    }
}
