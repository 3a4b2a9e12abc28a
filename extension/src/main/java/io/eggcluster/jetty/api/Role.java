package io.eggcluster.jetty.api;

/**
 * The role of a process in an Egg cluster, as in EggJS.
 *
 * <ul>
 *   <li>{@link #MASTER}: the Jetty JVM started by {@code start.jar}; supervises the others, serves nothing.</li>
 *   <li>{@link #AGENT}: one Jetty JVM with no public connector, for background work.</li>
 *   <li>{@link #WORKER}: one of N Jetty JVMs serving the webapps on the shared port.</li>
 * </ul>
 */
public enum Role
{
    MASTER, AGENT, WORKER;

    /**
     * @return the lower-case name used on command lines, in log prefixes and in JSON ({@code "worker"})
     */
    public String id()
    {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @param text {@code master}, {@code agent} or {@code worker}, in any case
     * @return the role
     * @throws IllegalArgumentException naming the value when it is none of those
     */
    public static Role parse(String text)
    {
        if (text != null)
        {
            for (Role role : values())
            {
                if (role.id().equalsIgnoreCase(text.trim()))
                    return role;
            }
        }
        throw new IllegalArgumentException("Invalid role '" + text + "': expected master, agent or worker");
    }
}
