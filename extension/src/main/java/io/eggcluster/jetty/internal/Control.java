package io.eggcluster.jetty.internal;

/**
 * The few lines the master and its children exchange outside any webapp.
 *
 * <p>A child reports on its standard output with lines that start with {@link #PREFIX}; the master reads them and
 * does not print them. The master writes plain commands to a child's standard input; when that stream ends the
 * master is gone and the child exits (no orphans, even after a SIGKILL of the master).</p>
 */
public final class Control
{
    /** Prefix of a child's report line on its standard output. */
    public static final String PREFIX = "@@egg-cluster@@ ";
    /** Child to master: the server started, every webapp deployed, the connectors are open. */
    public static final String READY = "ready";
    /** Child to master: start-up failed; the rest of the line says why. */
    public static final String FAILED = "failed";
    /** Master to child: every process of the cluster is ready. */
    public static final String EGG_READY = "egg-ready";

    private Control()
    {
    }

    public static String ready()
    {
        return PREFIX + READY;
    }

    /**
     * @param reason why start-up failed; line breaks are folded so the report stays one line
     * @return the report line
     */
    public static String failed(String reason)
    {
        return PREFIX + FAILED + " " + reason.replaceAll("\\s*[\\r\\n]+\\s*", " | ");
    }

    /**
     * @param line a line of a child's standard output
     * @return the report without the prefix ({@code ready} or {@code failed <reason>}), or null for ordinary output
     */
    public static String report(String line)
    {
        return line.startsWith(PREFIX) ? line.substring(PREFIX.length()) : null;
    }
}
