package io.eggcluster.jetty.internal.child;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.List;

import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.messenger.ClusterClient;

/**
 * The main class of a standby worker: a JVM the master starts ahead of need, with the class path and arguments of
 * a child, which loads the classes every worker needs, connects its control channel ({@link ControlLink}) and
 * waits on it. When a worker dies, the master sends it {@link Control#start} ({@code start worker <id>}): the standby
 * puts that role and slot into its arguments and runs them as any child runs ({@code XmlConfiguration}), so the
 * replacement skips the JVM's start and much of its class loading; the child it becomes goes on with the same
 * channel. The end of the channel (the master is gone, or stops) ends the standby. The webapps deploy only after
 * the start command, so they see their real role and slot.
 */
public final class Standby
{
    static final String XML_MAIN = "org.eclipse.jetty.xml.XmlConfiguration";
    private static final long CONNECT_TIMEOUT_MS = 60_000;
    /** Loaded (and initialised) while waiting: Jetty's core, its XML configuration, the Hazelcast client. */
    private static final List<String> WARM_CLASSES = List.of(
        XML_MAIN,
        "org.eclipse.jetty.server.Server",
        "org.eclipse.jetty.server.ServerConnector",
        "org.eclipse.jetty.server.HttpConfiguration",
        "org.eclipse.jetty.util.thread.QueuedThreadPool",
        "org.eclipse.jetty.util.resource.ResourceFactory",
        "com.hazelcast.client.HazelcastClient",
        "com.hazelcast.client.config.ClientConfig",
        "com.hazelcast.client.impl.clientside.HazelcastClientInstanceImpl",
        "com.hazelcast.client.impl.connection.tcp.TcpClientConnectionManager",
        "com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder",
        "io.eggcluster.jetty.internal.messenger.ClusterMessenger");

    private Standby()
    {
    }

    public static void main(String[] args) throws Exception
    {
        // before the Hazelcast classes below load: their loggers print in Jetty's format
        io.eggcluster.jetty.internal.LogRouting.install();
        ClassLoader loader = Standby.class.getClassLoader();
        for (String name : WARM_CLASSES)
        {
            try
            {
                Class.forName(name, true, loader);
            }
            catch (Throwable x)
            {
                // only a warm-up: the real start loads what it needs
            }
        }
        ControlLink master = ControlLink.toMaster();
        preconnect(args);
        String line = master.readCommand();
        if (line == null)
            System.exit(0);
        Control.Start start = Control.Start.parse(line);
        if (start == null)
        {
            System.err.println("egg-cluster standby: expected '" + Control.START + " <role> <id>' from the master, got '" +
                line + "'");
            System.exit(2);
        }
        String role = Control.ROLE_PROPERTY + "=";
        String workerId = Control.WORKER_ID_PROPERTY + "=";
        String[] resolved = new String[args.length];
        for (int i = 0; i < args.length; i++)
        {
            if (args[i].startsWith(role))
                resolved[i] = role + start.role().id();
            else if (args[i].startsWith(workerId))
                resolved[i] = workerId + start.id();
            else
                resolved[i] = args[i];
        }
        try
        {
            Class.forName(XML_MAIN, true, loader).getMethod("main", String[].class).invoke(null, (Object)resolved);
        }
        catch (InvocationTargetException e)
        {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    /**
     * Connects the Hazelcast client the worker's messenger will use: the cluster's name from the environment, the
     * member's address from the start properties among the arguments (inline, or in the properties file that
     * {@code start.jar --dry-run} wrote), read as {@code XmlConfiguration} reads them, later ones first.
     */
    private static void preconnect(String[] args) throws IOException
    {
        String cluster = System.getenv(Control.ENV_CLUSTER);
        Properties properties = new Properties();
        for (String arg : args)
        {
            if (arg.endsWith(".properties") && !arg.startsWith("-"))
            {
                try (InputStream in = Files.newInputStream(Path.of(arg)))
                {
                    properties.load(in);
                }
            }
            else if (arg.indexOf('=') > 0 && !arg.startsWith("-"))
                properties.setProperty(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        String host = properties.getProperty(Control.HAZELCAST_HOST_PROPERTY);
        String port = properties.getProperty(Control.HAZELCAST_PORT_PROPERTY, "0");
        if (cluster != null && host != null && port.matches("[1-9][0-9]{0,4}"))
            ClusterClient.preconnect(cluster, host, Integer.parseInt(port), CONNECT_TIMEOUT_MS);
    }
}
