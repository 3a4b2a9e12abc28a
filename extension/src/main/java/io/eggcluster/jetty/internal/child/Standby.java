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
    /**
     * The system property naming the class list a worker of this base wrote ({@code -XX:DumpLoadedClassList}): the
     * classes a worker loaded through its start, its deployment and its first requests, which the standby loads
     * while it waits (issue 13: ~0.3 s off a replacement's start).
     */
    public static final String CLASS_LIST_PROPERTY = "io.eggcluster.standby.classList";
    /** At most this many lines of the class list are read. */
    private static final int MAX_CLASS_LIST_LINES = 50_000;
    /**
     * Loaded and initialised while waiting: Jetty's core, its XML configuration, the Hazelcast client, and the
     * classes whose static initialisers cost a replacement most (measured with JFR, issue 13: MimeTypes' locale
     * providers, MemoryUtils' platform MBean server through BlockingArrayQueue, HttpHeader, PathCollators' Collator).
     */
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
        "io.eggcluster.jetty.internal.messenger.ClusterMessenger",
        "org.eclipse.jetty.http.MimeTypes",
        "org.eclipse.jetty.http.HttpHeader",
        "org.eclipse.jetty.http.HttpMethod",
        "org.eclipse.jetty.http.HttpVersion",
        "org.eclipse.jetty.http.PreEncodedHttpField",
        "org.eclipse.jetty.http.DateGenerator",
        "org.eclipse.jetty.util.BlockingArrayQueue",
        "org.eclipse.jetty.util.resource.PathCollators",
        "org.eclipse.jetty.util.resource.ResourceFactoryInternals",
        "com.hazelcast.internal.config.ConfigUtils");

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
        loadClassList(loader);
        parseXml(args, loader);
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
     * Loads (without initialising) the classes of the class list a worker of this base wrote, when there is one:
     * its lines are class names in the JVM's form ({@code org/eclipse/jetty/server/Server}); comments, lambda forms
     * and names this class path does not have are skipped.
     */
    private static void loadClassList(ClassLoader loader)
    {
        String list = System.getProperty(CLASS_LIST_PROPERTY);
        if (list == null || !Files.isRegularFile(Path.of(list)))
            return;
        try (java.util.stream.Stream<String> lines = Files.lines(Path.of(list)))
        {
            lines.limit(MAX_CLASS_LIST_LINES).forEach(line ->
            {
                if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == '@')
                    return;
                int end = line.indexOf(' ');
                String name = (end < 0 ? line : line.substring(0, end)).replace('/', '.');
                if (name.contains("$$Lambda") || name.contains("LambdaForm$"))
                    return;
                try
                {
                    Class.forName(name, false, loader);
                }
                catch (Throwable x)
                {
                    // only a warm-up: a class that is not on this class path any more is not needed
                }
            });
        }
        catch (IOException | java.io.UncheckedIOException e)
        {
            // only a warm-up: a list being written (or gone) is read as far as it goes
        }
    }

    /**
     * Parses the child's Jetty XML files once, as {@code XmlConfiguration} will after the start command (their DTD,
     * the XML parser's classes), without configuring anything: the objects are built only by {@code configure()}.
     */
    private static void parseXml(String[] args, ClassLoader loader)
    {
        try
        {
            Class<?> factory = Class.forName("org.eclipse.jetty.util.resource.ResourceFactory", true, loader);
            Class<?> resource = Class.forName("org.eclipse.jetty.util.resource.Resource", true, loader);
            Object root = factory.getMethod("root").invoke(null);
            for (String arg : args)
            {
                if (arg.endsWith(".xml") && !arg.startsWith("-"))
                {
                    Object xml = factory.getMethod("newResource", Path.class).invoke(root, Path.of(arg));
                    Class.forName(XML_MAIN, true, loader).getConstructor(resource).newInstance(xml);
                }
            }
        }
        catch (Throwable x)
        {
            // only a warm-up: the real start parses them again and reports what is wrong
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
