package io.eggcluster.jetty.internal.child;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.eggcluster.jetty.internal.Control;

/**
 * A child's end of its reports to the master ({@link Control}): the master's control socket and this child's token,
 * both from the environment the master gave it. Only this class writes there; the child's standard output is only
 * output.
 */
final class ControlLink
{
    private final SocketChannel channel;

    private ControlLink(SocketChannel channel)
    {
        this.channel = channel;
    }

    /**
     * @return the link to the master named in this process's environment
     * @throws IllegalStateException when there is none (the process was not started by a master) or it cannot be
     *                               reached
     */
    static ControlLink fromEnvironment()
    {
        String socket = System.getenv(Control.ENV_SOCKET);
        String token = System.getenv(Control.ENV_TOKEN);
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

    /** Writes one line; a master that is gone is ignored (the child exits when its standard input ends). */
    synchronized void send(String line)
    {
        String oneLine = line.replace('\n', ' ').replace('\r', ' ');
        byte[] bytes = (oneLine + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try
        {
            while (buffer.hasRemaining())
                channel.write(buffer);
        }
        catch (IOException ignored)
        {
            // the master is gone: the stdin watcher ends this process
        }
    }
}
