package io.eggcluster.jetty.internal;

import java.nio.file.Path;
import java.util.List;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.child.Agent;
import io.eggcluster.jetty.internal.child.Worker;
import io.eggcluster.jetty.internal.master.Master;
import io.eggcluster.jetty.internal.master.PortCheck;
import io.eggcluster.jetty.internal.master.ProcessLogs;
import io.eggcluster.jetty.internal.messenger.ClusterClient;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point from {@code etc/egg-cluster.xml}: turns the server {@code start.jar} built into the process its
 * {@code jetty.egg.role} says (master unless told otherwise on the command line by the master).
 *
 * <ul>
 *   <li>master: keeps no connector and deploys nothing; adds the {@link Master} that runs the cluster;</li>
 *   <li>agent: keeps no connector and deploys nothing; adds the {@link Agent};</li>
 *   <li>worker: keeps everything, opens its connectors only once its webapps are up; adds the {@link Worker}.</li>
 * </ul>
 */
public final class EggCluster
{
    private static final Logger LOG = LoggerFactory.getLogger(EggCluster.class);
    private static final String DEPLOYMENT_SCANNER = "org.eclipse.jetty.deploy.DeploymentScanner";

    /**
     * The master's start that failed ({@link Master} throws when the cluster cannot reach egg-ready) ends the JVM
     * with status 1 and one clean line, as a bad property does, rather than start.jar's stack trace and status 254.
     * Called inside {@code Server.start()}, with the server FAILED: Jetty's shutdown hook leaves it alone.
     */
    private static final LifeCycle.Listener EXIT_ON_FAILED_START = new LifeCycle.Listener()
    {
        @Override
        public void lifeCycleFailure(LifeCycle event, Throwable cause)
        {
            if (!(event instanceof Server))
                return;
            if (!String.valueOf(cause.getMessage()).startsWith("egg-cluster failed: "))
                LOG.error("egg-cluster failed: {}", cause.toString());
            LOG.error("egg-cluster master exits with status 1");
            System.exit(1);
        }
    };

    private EggCluster()
    {
    }

    /**
     * Reshapes the server before it starts, which is why this is a static entry and not a bean: the master's and the
     * agent's connectors must be gone (and the master's ports checked) before {@code Server.start()}, which opens
     * connectors first when {@code openEarly} is on; everything that runs is a bean added here.
     *
     * @param server the server being configured
     * @param config the user's {@code jetty.egg.*} properties
     * @param role {@link Control#ROLE_PROPERTY}, set by the master on a child's command line (null: the master)
     * @param workerId {@link Control#WORKER_ID_PROPERTY}, set by the master with the role
     * @throws IllegalArgumentException naming each bad property, or the missing or unusable HTTP connector
     */
    public static void install(Server server, EggConfig config, String role, String workerId)
    {
        // before any Hazelcast class loads: one log format in every process
        LogRouting.install();
        List<String> errors = new java.util.ArrayList<>();
        Control.Assignment assignment = Control.Assignment.parse(role, workerId, errors);
        try
        {
            configure(server, config.validate(errors), assignment);
        }
        catch (IllegalArgumentException | IllegalStateException e)
        {
            // one clean line, and exit status 1 as for every failed start (start.jar would print the whole stack
            // and exit 254); nothing has been forked yet. A bad role is taken for the master's: a child's is never bad
            LOG.error("{}", e.getMessage());
            if (assignment.role() == Role.MASTER)
            {
                LOG.error("egg-cluster master exits with status 1");
                System.exit(1);
            }
            throw e;
        }
    }

    private static void configure(Server server, EggSettings config, Control.Assignment assignment)
    {
        Role role = assignment.role();
        int workerId = assignment.workerId();
        System.setProperty(EggProcess.ROLE_PROPERTY, role.id());
        System.setProperty(EggProcess.WORKER_ID_PROPERTY, String.valueOf(workerId));
        switch (role)
        {
            case MASTER ->
            {
                List<NetworkConnector> connectors = sharedConnectors(server);
                for (NetworkConnector connector : connectors)
                    PortCheck.requireFree(connector.getHost(), connector.getPort(), portProperty(connector));
                String urls = connectors.stream().map(EggCluster::url).collect(java.util.stream.Collectors.joining(", "));
                int port = connectors.get(0).getPort();
                server.setOpenEarly(false);
                removeConnectors(server);
                removeDeployment(server);
                server.addBean(new NoConnectors(server), true);
                // the log files first: they get the console from now on (Jetty's start lines included), and close
                // after the master has stopped the children (the server stops its beans in reverse order)
                ProcessLogs logs = ProcessLogs.of(config);
                LifeCycle.start(logs);
                server.addBean(logs, true);
                server.addBean(new Master(server, config, urls, port, logs));
                server.addEventListener(EXIT_ON_FAILED_START);
            }
            case AGENT ->
            {
                server.setOpenEarly(false);
                removeConnectors(server);
                server.addBean(new NoConnectors(server), true);
                removeDeployment(server);
                server.addBean(new Agent(server, messenger(server, config, role, 0), webappsDir(config), config.health()));
            }
            case WORKER ->
            {
                ownTempDirectory(server, config);
                server.addBean(new Worker(server, messenger(server, config, role, workerId), config.health()));
            }
        }
    }

    /**
     * The child's messenger: it exists (and its Hazelcast client connects) before any webapp deploys; it stops
     * after the server, so webapps may still send while they stop.
     */
    private static ClusterClient messenger(Server server, EggSettings config, Role role, int workerId)
    {
        String cluster = System.getenv(Control.ENV_CLUSTER);
        if (cluster == null || cluster.isEmpty() || config.hazelcastPort() == 0)
            throw new IllegalArgumentException("egg-cluster: an " + role.id() + " needs jetty.egg.hazelcast.port and " +
                Control.ENV_CLUSTER + " in its environment, which its master sets: start the master, not a " + role.id());
        long timeout = role == Role.AGENT ? config.agentStartTimeoutMs() : config.workerStartTimeoutMs();
        ClusterClient messenger = new ClusterClient(new EggProcess(role, workerId, ProcessHandle.current().pid()),
            config.workers(), cluster, config.hazelcastHost(), config.hazelcastPort(), timeout,
            config.maxMessageBytes());
        LifeCycle.start(messenger);
        server.addBean(messenger, false);
        return messenger;
    }

    /**
     * Jetty makes a webapp's temp directory (where its WAR is extracted) persistent, under a fixed name, when the
     * server's temp directory is a directory named {@code work} ({@code ${jetty.base}/work}, the {@code work}
     * module): every worker would then extract into, and read from, the same directory at once (seen: a truncated
     * class file). A worker uses {@code java.io.tmpdir} instead, where each context gets a fresh directory.
     */
    private static void ownTempDirectory(Server server, EggSettings config)
    {
        java.io.File temp = server.getTempDirectory();
        if (temp == null)
            temp = Path.of(config.jettyBase(), "work").toFile();
        if (temp.getName().equals("work") && temp.isDirectory())
        {
            server.setTempDirectory(System.getProperty("java.io.tmpdir"));
            LOG.debug("webapp temp directories in {}, not in the shared {}", server.getTempDirectory(), temp);
        }
    }

    /**
     * The master and the agent serve nothing: their connectors go. A connector that an XML file configures as its
     * root ({@code <Configure id="sslConnector">} in jetty-https.xml, jetty-http2.xml, jetty-alpn.xml) is started by
     * {@code XmlConfiguration.main} itself after the server, whether the server still has it or not: it would bind
     * the shared port (the agent, without SO_REUSEPORT, then fails to start). Such a connector is pointed at a free
     * loopback port and closed as soon as it has started.
     */
    private static void removeConnectors(Server server)
    {
        org.eclipse.jetty.server.Connector[] connectors = server.getConnectors();
        server.setConnectors(null);
        for (org.eclipse.jetty.server.Connector connector : connectors)
        {
            if (connector instanceof org.eclipse.jetty.server.ServerConnector network)
            {
                network.setHost("127.0.0.1");
                network.setPort(0);
                network.setReusePort(false);
            }
            connector.addEventListener(new LifeCycle.Listener()
            {
                @Override
                public void lifeCycleStarted(LifeCycle event)
                {
                    // closed at once, on this thread (Jetty's graceful shutdown of a connector: the port is released,
                    // the acceptors end), but left STARTED: XmlConfiguration takes a connector that is not started
                    // when its start() returns for a failed start, and would stop the server
                    connector.shutdown();
                }
            });
        }
    }

    /**
     * Started with the master's or the agent's server, before its connectors would open ({@code openEarly=false}):
     * a connector that a module configured after {@code egg-cluster.xml} (one missing from the module's
     * {@code [after]}) would otherwise be bound by the master or the agent; it fails the start instead, naming it.
     */
    private static final class NoConnectors extends org.eclipse.jetty.util.component.AbstractLifeCycle
    {
        private final Server server;

        NoConnectors(Server server)
        {
            this.server = server;
        }

        @Override
        protected void doStart()
        {
            if (server.getConnectors().length > 0)
                throw new IllegalStateException("egg-cluster: " + java.util.Arrays.toString(server.getConnectors()) +
                    " was configured after the egg-cluster module, so its port was not checked nor taken from the master " +
                    "and the agent: add its module to the [after] section of modules/egg-cluster.mod");
        }
    }

    private static Path webappsDir(EggSettings config)
    {
        Path dir = Path.of(config.webappsDir());
        return dir.isAbsolute() ? dir : Path.of(config.jettyBase()).resolve(dir);
    }

    /**
     * @return every network connector the workers will open (HTTP first, then TLS and any other), each on a fixed
     * port, which every worker shares
     */
    private static List<NetworkConnector> sharedConnectors(Server server)
    {
        List<NetworkConnector> network = java.util.Arrays.stream(server.getConnectors())
            .filter(NetworkConnector.class::isInstance).map(NetworkConnector.class::cast).toList();
        if (network.isEmpty())
            throw new IllegalArgumentException("egg-cluster: the workers need an HTTP connector: enable the 'http' " +
                "module in this jetty base (java -jar $JETTY_HOME/start.jar --add-modules=http) and set jetty.http.port");
        for (NetworkConnector connector : network)
        {
            if (connector.getPort() <= 0)
                throw new IllegalArgumentException("egg-cluster: " + portProperty(connector) + "=" + connector.getPort() +
                    " cannot be shared: every worker binds the same port, so set " + portProperty(connector) +
                    " to a fixed port number");
        }
        return network;
    }

    private static boolean secure(NetworkConnector connector)
    {
        return connector.getProtocols().stream().anyMatch(p -> p.equalsIgnoreCase("ssl"));
    }

    private static String portProperty(NetworkConnector connector)
    {
        return secure(connector) ? "jetty.ssl.port" : "jetty.http.port";
    }

    private static String url(NetworkConnector connector)
    {
        String host = connector.getHost() == null || connector.getHost().isEmpty() ? "localhost" : connector.getHost();
        return (secure(connector) ? "https" : "http") + "://" + host + ":" + connector.getPort() + "/";
    }

    private static void removeDeployment(Server server)
    {
        for (Object bean : server.getBeans())
        {
            if (bean.getClass().getName().equals(DEPLOYMENT_SCANNER))
                server.removeBean(bean);
        }
    }
}
