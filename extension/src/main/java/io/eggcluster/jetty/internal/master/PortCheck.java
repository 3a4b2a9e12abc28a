package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.eggcluster.jetty.internal.Control;

/**
 * Before anything is forked: is the port the workers will share free? The workers bind it with
 * {@code SO_REUSEPORT}, so a second cluster started on the same port by the same user would bind it too and
 * silently take part of the first one's connections; a plain bind, as done here, fails on any listener. When it
 * fails, {@code /proc} tells who holds the port (a listening socket's inode, and the process with a descriptor on
 * it), so the message can name the other cluster.
 */
public final class PortCheck
{
    private PortCheck()
    {
    }

    /**
     * @param host the connector's host, null or empty for every interface
     * @param port the connector's port
     * @param property the property that set the port, for the message
     * @throws IllegalStateException naming the port, the bind error and, when it can be found, the holder
     */
    public static void requireFree(String host, int port, String property)
    {
        InetSocketAddress address = host == null || host.isEmpty() ? new InetSocketAddress(port) :
            new InetSocketAddress(host, port);
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(address);
        }
        catch (IOException e)
        {
            String where = (host == null || host.isEmpty() ? "*" : host) + ":" + port;
            throw new IllegalStateException("egg-cluster: cannot serve on " + where + " (" + property + "): " +
                e.getMessage() + holder(port).map(h -> "; it is held by " + h).orElse("") +
                ". Stop that process or choose another port.");
        }
    }

    /** @return who listens on {@code port} (TCP, IPv4 or IPv6), as far as this user may see */
    static Optional<String> holder(int port)
    {
        String inode = listeningInode(port);
        if (inode == null)
            return Optional.empty();
        Optional<Long> pid = processWithSocket(inode);
        return pid.map(PortCheck::describe);
    }

    private static String listeningInode(int port)
    {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6"))
        {
            try
            {
                for (String line : Files.readAllLines(Path.of(table)))
                {
                    String[] fields = line.trim().split("\\s+");
                    // sl local_address rem_address st ... inode: st 0A is LISTEN
                    if (fields.length > 9 && fields[1].endsWith(":" + hexPort) && fields[3].equals("0A"))
                        return fields[9];
                }
            }
            catch (IOException | RuntimeException ignored)
            {
                // not Linux, or not readable: no name for the holder
            }
        }
        return null;
    }

    private static Optional<Long> processWithSocket(String inode)
    {
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+")))
        {
            for (Path process : processes)
            {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd")))
                {
                    for (Path fd : fds)
                    {
                        if (target.equals(String.valueOf(Files.readSymbolicLink(fd))))
                            return Optional.of(Long.parseLong(process.getFileName().toString()));
                    }
                }
                catch (IOException | RuntimeException ignored)
                {
                    // another user's process, or gone: skip it
                }
            }
        }
        catch (IOException ignored)
        {
            // no /proc
        }
        return Optional.empty();
    }

    /** A process, as an operator would want it named: an egg-cluster worker with its master and base, or its command. */
    static String describe(long pid)
    {
        List<String> args;
        try
        {
            args = List.of(Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline")).split("\0"));
        }
        catch (IOException | RuntimeException e)
        {
            return "pid " + pid;
        }
        String role = value(args, Control.ROLE_PROPERTY + "=");
        if (role != null)
        {
            String id = Optional.ofNullable(value(args, Control.WORKER_ID_PROPERTY + "=")).orElse("?");
            String base = Optional.ofNullable(value(args, "-Djetty.base=")).orElseGet(() -> value(args, "jetty.base="));
            long master = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(0L);
            return "another egg cluster: " + role + "#" + id + ":" + pid + " of the master pid " + master +
                (base != null ? " (jetty.base " + base + ")" : "");
        }
        String command = String.join(" ", args);
        return "pid " + pid + " (" + (command.length() > 200 ? command.substring(0, 200) + "..." : command) + ")";
    }

    private static String value(List<String> args, String prefix)
    {
        for (String arg : args)
        {
            if (arg.startsWith(prefix))
                return arg.substring(prefix.length());
        }
        return null;
    }
}
