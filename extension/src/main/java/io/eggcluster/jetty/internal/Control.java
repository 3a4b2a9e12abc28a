package io.eggcluster.jetty.internal;

/**
 * What the master and its children exchange outside any webapp, and how.
 *
 * <ul>
 *   <li><b>Child to master</b>: report lines ({@link #READY}, {@link #FAILED} with the reason) on the master's
 *   control socket, a Unix domain socket in a directory only the master's user may enter, named by
 *   {@link #ENV_SOCKET}; the first line of a connection is the child's token ({@link #ENV_TOKEN}), which tells the
 *   master which child it is. A child's standard output and error are only output: nothing a webapp prints is ever
 *   obeyed.</li>
 *   <li><b>Master to child</b>: plain command lines ({@link #EGG_READY}, a standby's {@code start}) on the child's
 *   standard input, a pipe only the master holds; when it ends the master is gone and the child exits (no orphans,
 *   even after a SIGKILL of the master).</li>
 *   <li><b>Secrets</b> (the Hazelcast cluster name, the control token) reach a child in its environment, which only
 *   its user can read ({@code /proc/PID/environ}), never on its command line, which every local user can read.</li>
 * </ul>
 */
public final class Control
{
    /** Environment: the Hazelcast cluster name, the only credential a Hazelcast client presents. */
    public static final String ENV_CLUSTER = "JETTY_EGG_HAZELCAST_CLUSTER";
    /** Environment: the path of the master's control socket. */
    public static final String ENV_SOCKET = "JETTY_EGG_CONTROL_SOCKET";
    /** Environment: this child's token, the first line it writes on the control socket. */
    public static final String ENV_TOKEN = "JETTY_EGG_CONTROL_TOKEN";
    /** Child to master: the server started, every webapp deployed, the connectors are open. */
    public static final String READY = "ready";
    /** Child to master: start-up failed; the rest of the line says why. */
    public static final String FAILED = "failed";
    /** Master to child: every process of the cluster is ready. */
    public static final String EGG_READY = "egg-ready";
    /** The longest line either side reads; a longer report is cut there. */
    public static final int MAX_LINE_CHARS = 16 * 1024;

    private Control()
    {
    }

    public static String ready()
    {
        return READY;
    }

    /**
     * @param reason why start-up failed; line breaks are folded so the report stays one line
     * @return the report line
     */
    public static String failed(String reason)
    {
        return FAILED + " " + reason.replaceAll("\\s*[\\r\\n]+\\s*", " | ");
    }
}
