package io.eggcluster.jetty.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.eggcluster.jetty.api.Role;

/**
 * The control channel between the master and each child: every message in each direction, and its wire form.
 *
 * <p>The channel is one connection per child to the master's control socket, a Unix domain socket in a directory
 * only the master's user may enter, named by {@link #ENV_SOCKET}. The child's first line is its token
 * ({@link #ENV_TOKEN}), which tells the master which child it is; the connection then stays open and carries, one
 * UTF-8 line each (cut at {@link #MAX_LINE_CHARS}):</p>
 *
 * <table>
 *   <caption>messages</caption>
 *   <tr><th>direction</th><th>line</th><th>meaning</th></tr>
 *   <tr><td>child to master</td><td>{@value #READY}</td><td>the server started, every webapp deployed, the
 *   connectors are open</td></tr>
 *   <tr><td>child to master</td><td>{@value #FAILED} <i>reason</i></td><td>start-up failed</td></tr>
 *   <tr><td>child to master</td><td>{@value #HEARTBEAT}</td><td>alive: sent every
 *   {@code jetty.egg.heartbeatInterval}, each only after a task has run on the child's messenger thread and on its
 *   request thread pool, so that a child whose messages or requests are stuck falls silent</td></tr>
 *   <tr><td>child to master</td><td>{@value #RECYCLE} <i>reason</i></td><td>replace me, gracefully (a worker that
 *   served {@code jetty.egg.maxRequests}); the master starts the replacement first, then stops this one</td></tr>
 *   <tr><td>master to child</td><td>{@value #START} <i>role</i> <i>id</i></td><td>a standby JVM becomes that child
 *   (the first command a standby gets)</td></tr>
 *   <tr><td>master to child</td><td>{@value #EGG_READY}</td><td>every process of the cluster is ready</td></tr>
 * </table>
 *
 * <p>Anything else is logged and ignored by either side. Besides the socket:</p>
 * <ul>
 *   <li>a child's <b>standard input</b> is a pipe only the master holds and never writes: it is the child's
 *   lifeline; when it ends the master is gone and the child exits (no orphans, even after a SIGKILL of the
 *   master);</li>
 *   <li>a child's <b>standard output and error</b> are only output: nothing a webapp prints is ever obeyed;</li>
 *   <li><b>secrets</b> (the Hazelcast cluster name {@link #ENV_CLUSTER}, the control token) reach a child in its
 *   environment, which only its user can read ({@code /proc/PID/environ}), never on its command line, which every
 *   local user can read;</li>
 *   <li>the <b>start properties</b> the master gives a child ({@link #ROLE_PROPERTY}, {@link #WORKER_ID_PROPERTY},
 *   {@link #HAZELCAST_HOST_PROPERTY}, {@link #HAZELCAST_PORT_PROPERTY}) are on its command line or in the
 *   children's properties file: none is a secret, and a user never sets them.</li>
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

    /** Start property the master sets: the child's role ({@code agent}, {@code worker}); unset is the master. */
    public static final String ROLE_PROPERTY = io.eggcluster.jetty.api.EggProcess.ROLE_PROPERTY;
    /** Start property the master sets: the child's slot (0 for the agent, 1..N for the workers). */
    public static final String WORKER_ID_PROPERTY = io.eggcluster.jetty.api.EggProcess.WORKER_ID_PROPERTY;
    /** Start property the master sets: its Hazelcast member's address (the user's setting, passed on). */
    public static final String HAZELCAST_HOST_PROPERTY = "jetty.egg.hazelcast.host";
    /** Start property the master sets: its Hazelcast member's port (the one it picked when the user's is 0). */
    public static final String HAZELCAST_PORT_PROPERTY = "jetty.egg.hazelcast.port";

    /** Child to master: the server started, every webapp deployed, the connectors are open. */
    public static final String READY = "ready";
    /** Child to master: start-up failed; the rest of the line says why. */
    public static final String FAILED = "failed";
    /** Child to master: alive, see the table above. */
    public static final String HEARTBEAT = "heartbeat";
    /** Child to master: replace me gracefully; the rest of the line says why. */
    public static final String RECYCLE = "recycle";
    /** Master to child: every process of the cluster is ready. */
    public static final String EGG_READY = "egg-ready";
    /** Master to a standby: become {@code <role> <id>}. */
    public static final String START = "start";
    /** The longest line either side reads; a longer line is cut there. */
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
        return withReason(FAILED, reason);
    }

    /**
     * @return the reason of a {@link #failed} line, or null when {@code line} is not one
     */
    public static String failure(String line)
    {
        return reasonOf(FAILED, line);
    }

    public static String heartbeat()
    {
        return HEARTBEAT;
    }

    /**
     * @param figures the child's own figures, for the master's status
     * @return the heartbeat line: {@code heartbeat heap=N requests=N inflight=N sent=N received=N}
     */
    public static String heartbeat(Figures figures)
    {
        return HEARTBEAT + " " + figures.encode();
    }

    /**
     * @return the figures of a {@link #heartbeat} line ({@link Figures#NONE} for a bare one), or null when
     *     {@code line} is not a heartbeat
     */
    public static Figures heartbeatFigures(String line)
    {
        String rest = reasonOf(HEARTBEAT, line);
        return rest == null ? null : Figures.parse(rest);
    }

    /**
     * What a child reports of itself with each heartbeat, for the master's status; -1 is not known (the agent serves
     * no requests). Read by the master from a line it does not trust: only the five names below, each a number of
     * at most 18 digits, anything else ignored.
     *
     * @param heapUsedBytes the JVM's heap in use
     * @param requests requests completed (a worker)
     * @param inFlight requests being served (a worker)
     * @param messagesSent messenger messages accepted for the cluster (one per receiving slot)
     * @param messagesReceived messenger messages delivered to this process's listeners and handlers
     */
    public record Figures(long heapUsedBytes, long requests, long inFlight, long messagesSent, long messagesReceived)
    {
        public static final Figures NONE = new Figures(-1, -1, -1, -1, -1);

        String encode()
        {
            return "heap=" + heapUsedBytes + " requests=" + requests + " inflight=" + inFlight + " sent=" +
                messagesSent + " received=" + messagesReceived;
        }

        static Figures parse(String text)
        {
            long heap = -1, requests = -1, inFlight = -1, sent = -1, received = -1;
            String[] words = text.split(" ", 8);
            for (String word : words)
            {
                int eq = word.indexOf('=');
                if (eq < 0 || !word.substring(eq + 1).matches("-?[0-9]{1,18}"))
                    continue;
                long value = Long.parseLong(word.substring(eq + 1));
                switch (word.substring(0, eq))
                {
                    case "heap" -> heap = value;
                    case "requests" -> requests = value;
                    case "inflight" -> inFlight = value;
                    case "sent" -> sent = value;
                    case "received" -> received = value;
                    default ->
                    {
                    }
                }
            }
            return new Figures(heap, requests, inFlight, sent, received);
        }
    }

    /**
     * @param reason why the child asks to be replaced, one line
     * @return the request line
     */
    public static String recycle(String reason)
    {
        return withReason(RECYCLE, reason);
    }

    /**
     * @return the reason of a {@link #recycle} line, or null when {@code line} is not one
     */
    public static String recycling(String line)
    {
        return reasonOf(RECYCLE, line);
    }

    /** {@code word reason}, the reason's line breaks folded so the message stays one line. */
    private static String withReason(String word, String reason)
    {
        return word + " " + reason.replaceAll("\\s*[\\r\\n]+\\s*", " | ");
    }

    /** @return the reason after {@code word} in {@code line}, "" for the bare word, null when the line is another */
    private static String reasonOf(String word, String line)
    {
        if (line.equals(word))
            return "";
        return line.startsWith(word + " ") ? line.substring(word.length() + 1).trim() : null;
    }

    public static String eggReady()
    {
        return EGG_READY;
    }

    /** @return the command that makes a standby the child {@code role#id} */
    public static String start(Role role, int id)
    {
        return START + " " + role.id() + " " + id;
    }

    /** A parsed {@link #start} command. */
    public record Start(Role role, int id)
    {
        /**
         * @return the command, or null when {@code line} is not a well-formed {@link #START} command
         */
        public static Start parse(String line)
        {
            String[] words = line.trim().split(" ");
            if (words.length != 3 || !words[0].equals(START) || !words[2].matches("[0-9]{1,3}"))
                return null;
            try
            {
                return new Start(Role.parse(words[1]), Integer.parseInt(words[2]));
            }
            catch (IllegalArgumentException e)
            {
                return null;
            }
        }
    }

    /**
     * What the master made this process: its role and slot, from the start properties {@link #ROLE_PROPERTY} and
     * {@link #WORKER_ID_PROPERTY} (unset: the master itself).
     */
    public record Assignment(Role role, int workerId)
    {
        /** The master: what a process started by the user is. */
        public static final Assignment MASTER = new Assignment(Role.MASTER, 0);

        /**
         * @param role {@link #ROLE_PROPERTY}, null when unset
         * @param workerId {@link #WORKER_ID_PROPERTY}, null when unset
         * @param errors where a bad value is reported, naming its property; the master is assumed then
         */
        public static Assignment parse(String role, String workerId, java.util.List<String> errors)
        {
            Role parsed = Role.MASTER;
            int id = 0;
            if (role != null)
            {
                try
                {
                    parsed = Role.parse(role);
                }
                catch (IllegalArgumentException e)
                {
                    errors.add(ROLE_PROPERTY + "='" + role + "' is invalid: expected master, agent or worker");
                    return MASTER;
                }
            }
            if (workerId != null && parsed == Role.WORKER)
            {
                if (!workerId.trim().matches("[0-9]{1,9}"))
                {
                    errors.add(WORKER_ID_PROPERTY + "='" + workerId + "' is not a number: expected a worker's slot");
                    return MASTER;
                }
                id = Integer.parseInt(workerId.trim());
            }
            return new Assignment(parsed, id);
        }
    }

    /**
     * Writes {@code line} and a line break, the line's own breaks folded into spaces (one message is one line).
     */
    public static void writeLine(WritableByteChannel channel, String line) throws IOException
    {
        String oneLine = line.replace('\n', ' ').replace('\r', ' ');
        ByteBuffer buffer = ByteBuffer.wrap((oneLine + "\n").getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining())
            channel.write(buffer);
    }

    /** UTF-8 lines from a channel, each cut at {@link #MAX_LINE_CHARS} bytes (the rest of a longer line skipped). */
    public static final class LineReader
    {
        private final ReadableByteChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(8192).flip();

        public LineReader(ReadableByteChannel channel)
        {
            this.channel = channel;
        }

        /** @return the next line, or null at the end of the stream (a last line without a break is dropped) */
        public String readLine() throws IOException
        {
            byte[] line = new byte[256];
            int length = 0;
            while (true)
            {
                if (!buffer.hasRemaining())
                {
                    buffer.clear();
                    int n = channel.read(buffer);
                    buffer.flip();
                    if (n < 0)
                        return null;
                    continue;
                }
                byte b = buffer.get();
                if (b == '\n')
                    return new String(line, 0, length, StandardCharsets.UTF_8);
                if (length < MAX_LINE_CHARS)
                {
                    if (length == line.length)
                        line = Arrays.copyOf(line, Math.min(MAX_LINE_CHARS, length * 2));
                    line[length++] = b;
                }
            }
        }
    }
}
