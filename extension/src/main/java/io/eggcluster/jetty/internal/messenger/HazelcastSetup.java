package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.QueueConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.jetty.internal.EggConfig;

/**
 * The Hazelcast configuration of the cluster: the master's member, and the agent's and workers' clients.
 * Loopback by default, no multicast, no auto-detection, no phone-home. The cluster name is made per master start
 * and is the only credential a client presents (Hazelcast's open-source edition): it is a secret, handed to the
 * children in their environment and never put on a command line or in a log. Java deserialization is off on the
 * member and the clients (a filter that admits no class): every type that crosses the wire is Hazelcast-native
 * ({@link ClusterTypes}, {@code IdentifiedDataSerializable}) or a byte array, String or Long.
 */
public final class HazelcastSetup
{
    private HazelcastSetup()
    {
    }

    /**
     * The only class the Java serialization filter admits: it does not exist, so nothing that reaches the member
     * or a client as a Java-serialized object is ever deserialized (Hazelcast's own default allow-list of
     * {@code java.*} and {@code com.hazelcast.*} is off too).
     */
    static final String NO_JAVA_SERIALIZATION = "io.eggcluster.jetty.internal.messenger.NoJavaSerialization";
    /** The key of the member's {@link Batches} in its user context. */
    static final String BATCHES = "egg-batches";

    /**
     * @param members other members for a cluster across hosts ({@code host:port}); empty for one host
     * @param queueCapacity the messages each slot holds ({@code jetty.egg.queueCapacity})
     * @param queueBytes the bytes of frames each slot holds ({@code jetty.egg.queueBytes}), accounted here
     * @param receivers how many processes take messages at once at start (the agent and the workers; the member's
     *                  executors fit the largest cluster in any case): the member's executor
     *                  runs one waiting take for each, and the hand-overs of as many senders
     */
    public static Config member(String clusterName, String host, int port, List<String> members, int queueCapacity,
                                long queueBytes, int receivers)
    {
        Config config = new Config();
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        // no "[address] [cluster name] [version]" before each of Hazelcast's log lines: the name is the credential
        config.setProperty("hazelcast.logging.details.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setClusterName(clusterName);
        config.setInstanceName("egg-master-" + ProcessHandle.current().pid());
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(host);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        // TCP/IP join with the given members, or only this member's own address: no multicast, nothing to find
        join.getTcpIpConfig().setEnabled(true).setMembers(members.isEmpty() ? List.of(host + ":" + port) : members);
        config.addQueueConfig(new QueueConfig(HazelcastTransport.QUEUE_PREFIX + "*").setMaxSize(queueCapacity));
        // Hazelcast's executors of this kind share the member's cached threads: the pool size only caps how many of
        // their tasks run at once (idle, they hold no thread). Each waiting take holds one, so the cap fits the
        // largest cluster: workers may be added while it runs (SIGTTIN), beyond the receivers it started with
        int concurrent = Math.max(receivers, EggConfig.MAX_CLUSTER_PROCESSES) + 2;
        config.getExecutorConfig(HazelcastTransport.EXECUTOR).setPoolSize(concurrent).setStatisticsEnabled(false);
        // hand-overs on their own threads: the takes' threads wait in polls
        config.getExecutorConfig(HazelcastTransport.SENDERS).setPoolSize(concurrent).setStatisticsEnabled(false);
        // no metrics collection: it is for Management Center, which nobody connects, and costs the idle master CPU
        config.getMetricsConfig().setEnabled(false);
        secure(config.getSerializationConfig());
        // the slots' accounts and the batches taken and not acknowledged live with the queues, for the hand-overs
        // and takes run here (OfferTask, DrainTask)
        config.getUserContext().put(BATCHES, new Batches(queueBytes));
        return config;
    }

    /**
     * @return the batches of a member configured by {@link #member}
     * @throws IllegalStateException when it has none: a member not configured here takes no messages
     */
    static Batches batches(HazelcastInstance member)
    {
        if (member.getUserContext().get(BATCHES) instanceof Batches batches)
            return batches;
        throw new IllegalStateException("the Hazelcast member " + member.getName() + " was not configured for the " +
            "cluster's messages");
    }

    /** No Java deserialization of anything; the cluster's own types through their factory. */
    private static void secure(SerializationConfig serialization)
    {
        serialization.setJavaSerializationFilterConfig(new JavaSerializationFilterConfig()
            .setDefaultsDisabled(true)
            .setWhitelist(new ClassFilter().addClasses(NO_JAVA_SERIALIZATION)));
        serialization.addDataSerializableFactory(ClusterTypes.FACTORY_ID, ClusterTypes::create);
    }

    public static ClientConfig client(String clusterName, String host, int port, String name, long connectTimeoutMs)
    {
        ClientConfig config = new ClientConfig();
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        // no "[address] [cluster name] [version]" before each of Hazelcast's log lines: the name is the credential
        config.setProperty("hazelcast.logging.details.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setClusterName(clusterName);
        config.setInstanceName(name);
        config.getNetworkConfig().addAddress(host + ":" + port).setSmartRouting(false);
        config.getMetricsConfig().setEnabled(false);
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
            .setInitialBackoffMillis(50)
            .setMaxBackoffMillis(500)
            .setClusterConnectTimeoutMillis(connectTimeoutMs);
        secure(config.getSerializationConfig());
        return config;
    }

    /**
     * @return a port free on {@code host} now (for the member, so the children can be told it before it binds)
     */
    public static int freePort(String host)
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        }
        catch (IOException e)
        {
            throw new UncheckedIOException("no free port on " + host + " for the Hazelcast member", e);
        }
    }
}
