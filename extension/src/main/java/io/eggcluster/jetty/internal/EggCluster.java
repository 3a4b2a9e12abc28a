package io.eggcluster.jetty.internal;

import java.nio.file.Path;
import java.util.List;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.child.Agent;
import io.eggcluster.jetty.internal.child.Worker;
import io.eggcluster.jetty.internal.master.Master;
import io.eggcluster.jetty.internal.messenger.ProcessMessenger;
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

    private EggCluster()
    {
    }

    /**
     * @param server the server being configured
     * @param config the {@code jetty.egg.*} properties
     * @throws IllegalArgumentException naming each bad property, or the missing or unusable HTTP connector
     */
    public static void install(Server server, EggConfig config)
    {
        try
        {
            configure(server, config);
        }
        catch (IllegalArgumentException | IllegalStateException e)
        {
            // one clean line first: Jetty prints the exception again with its whole stack
            LOG.error("{}", e.getMessage());
            throw e;
        }
    }

    private static void configure(Server server, EggConfig config)
    {
        config.validate();
        Role role = config.role();
        int workerId = role == Role.WORKER ? config.workerId() : 0;
        System.setProperty(EggProcess.ROLE_PROPERTY, role.id());
        System.setProperty(EggProcess.WORKER_ID_PROPERTY, String.valueOf(workerId));
        switch (role)
        {
            case MASTER ->
            {
                NetworkConnector http = sharedConnector(server);
                String host = http.getHost() == null || http.getHost().isEmpty() ? "localhost" : http.getHost();
                String url = "http://" + host + ":" + http.getPort() + "/";
                server.setConnectors(null);
                removeDeployment(server);
                server.addBean(new Master(server, config, url, http.getPort()));
            }
            case AGENT ->
            {
                server.setConnectors(null);
                removeDeployment(server);
                server.addBean(new Agent(server, messenger(server, config, role, 0), webappsDir(config)));
            }
            case WORKER ->
            {
                ownTempDirectory(server, config);
                server.addBean(new Worker(server, messenger(server, config, role, workerId)));
            }
        }
    }

    /**
     * The child's messenger: it exists (and its Hazelcast client connects) before any webapp deploys; it stops
     * after the server, so webapps may still send while they stop.
     */
    private static ProcessMessenger messenger(Server server, EggConfig config, Role role, int workerId)
    {
        String cluster = System.getenv(Control.ENV_CLUSTER);
        if (cluster == null || cluster.isEmpty() || config.hazelcastPort() == 0)
            throw new IllegalArgumentException("egg-cluster: an " + role.id() + " needs jetty.egg.hazelcast.port and " +
                Control.ENV_CLUSTER + " in its environment, which its master sets: start the master, not a " + role.id());
        long timeout = role == Role.AGENT ? config.agentStartTimeoutMs() : config.workerStartTimeoutMs();
        ProcessMessenger messenger = new ProcessMessenger(new EggProcess(role, workerId, ProcessHandle.current().pid()),
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
    private static void ownTempDirectory(Server server, EggConfig config)
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

    private static Path webappsDir(EggConfig config)
    {
        Path dir = Path.of(config.webappsDir());
        return dir.isAbsolute() ? dir : Path.of(config.jettyBase()).resolve(dir);
    }

    private static NetworkConnector sharedConnector(Server server)
    {
        List<NetworkConnector> network = java.util.Arrays.stream(server.getConnectors())
            .filter(NetworkConnector.class::isInstance).map(NetworkConnector.class::cast).toList();
        if (network.isEmpty())
            throw new IllegalArgumentException("egg-cluster: the workers need an HTTP connector: enable the 'http' " +
                "module in this jetty base (java -jar $JETTY_HOME/start.jar --add-modules=http) and set jetty.http.port");
        NetworkConnector http = network.get(0);
        if (http.getPort() <= 0)
            throw new IllegalArgumentException("egg-cluster: jetty.http.port=" + http.getPort() + " cannot be shared: " +
                "every worker binds the same port, so set jetty.http.port to a fixed port number");
        return http;
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
