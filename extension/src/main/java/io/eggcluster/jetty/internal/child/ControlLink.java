package io.eggcluster.jetty.internal.child;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import io.eggcluster.jetty.internal.Control;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child's end of the control channel ({@link Control}, which lists every message): the master's control socket and
 * this child's token, both from the environment the master gave it. The child's reports go out here, the master's
 * commands come in here; the child's standard output is only output, its standard input only its lifeline
 * ({@link Lifeline}).
 *
 * <p>A process has one connection to its master, made on first use ({@link #toMaster}) and kept for the life of the
 * process: a standby JVM reads its {@link Control#START} command on it before it runs Jetty's
 * {@code XmlConfiguration}, and the child it becomes goes on with the same connection, since a token is good for one
 * connection only. Like the process's standard input, it is a process-wide resource: the one static here.</p>
 */
final class ControlLink
{
    private static final Logger LOG = LoggerFactory.getLogger(ControlLink.class);
    private static ControlLink process;

    private final SocketChannel channel;
    private final Control.LineReader in;

    ControlLink(SocketChannel channel)
    {
        this.channel = channel;
        this.in = new Control.LineReader(channel);
    }

    /**
     * @return this process's link to the master named in its environment, connected and past its token
     * @throws IllegalStateException when there is none (the process was not started by a master) or it cannot be
     *                               reached
     */
    static synchronized ControlLink toMaster()
    {
        if (process == null)
            process = connect(System.getenv(Control.ENV_SOCKET), System.getenv(Control.ENV_TOKEN));
        return process;
    }

    static ControlLink connect(String socket, String token)
    {
        if (socket == null || socket.isEmpty() || token == null || token.isEmpty())
            throw new IllegalStateException("egg-cluster: no " + Control.ENV_SOCKET + " and " + Control.ENV_TOKEN +
                " in the environment, which the master sets for its children: start the master, not a child");
        try
        {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(Path.of(socket)));
            ControlLink link = new ControlLink(channel);
            link.send(token);
            return link;
        }
        catch (IOException e)
        {
            throw new IllegalStateException("egg-cluster: cannot reach the master's control socket " + socket + ": " + e);
        }
    }

    /** Writes one line; a master that is gone is ignored (the child exits when its lifeline ends). */
    synchronized void send(String line)
    {
        try
        {
            Control.writeLine(channel, line);
        }
        catch (IOException ignored)
        {
            // the master is gone: the lifeline ends this process
        }
    }

    /**
     * @return the master's next command, blocking; null when the master closed the channel or it was
     * {@link #stopReading stopped}
     */
    String readCommand()
    {
        try
        {
            return in.readLine();
        }
        catch (IOException e)
        {
            if (channel.isOpen())
                LOG.debug("control channel to the master ended: {}", e.toString());
            return null;
        }
    }

    /** Ends a {@link #readCommand} under way (it returns null) and every later one; reports may still be sent. */
    void stopReading()
    {
        try
        {
            channel.shutdownInput();
        }
        catch (IOException ignored)
        {
            // closed already
        }
    }
}
