package io.eggcluster.jetty.internal.messenger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.List;
import java.util.Map;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Messenger;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messenger of this agent or worker process, and its Hazelcast client. The client connects in the background
 * while Jetty deploys; sends wait for it (up to the start timeout) and the process reports ready only once it is
 * connected. {@link #current()} is how {@link Messenger#current()} finds it.
 */
public class ProcessMessenger extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(ProcessMessenger.class);
    private static volatile ClusterMessenger current;

    private final CompletableFuture<HazelcastInstance> client = new CompletableFuture<>();
    private final CompletableFuture<HazelcastTransport> transport = client.thenApply(HazelcastTransport::new);
    private final ClusterMessenger messenger;
    private final long connectTimeoutMs;

    /**
     * @param self this process
     * @param workers the configured number of workers
     * @param clusterName the master's Hazelcast cluster name
     * @param host the master's member address
     * @param port the master's member port
     * @param connectTimeoutMs how long to try to connect
     * @param maxMessageBytes {@code jetty.egg.maxMessageBytes}
     */
    public ProcessMessenger(EggProcess self, int workers, String clusterName, String host, int port,
                            long connectTimeoutMs, int maxMessageBytes)
    {
        this.connectTimeoutMs = connectTimeoutMs;
        this.messenger = new ClusterMessenger(self, workers, new DeferredTransport(), maxMessageBytes);
        messenger.setDirectHost(host);
        addBean(messenger);
        String target = clusterName + "@" + host + ":" + port;
        CompletableFuture<HazelcastInstance> early = PRECONNECTED.getAndSet(null);
        CompletableFuture<HazelcastInstance> connecting;
        if (early != null && target.equals(preconnectedTarget))
            connecting = early; // the standby JVM this process was connected while it waited
        else
        {
            if (early != null)
                early.thenAccept(HazelcastInstance::shutdown);
            connecting = connect(clusterName, host, port, "egg-" + self.role().id() + "-" + self.workerId() + "-" +
                self.pid(), connectTimeoutMs, self.toString());
        }
        connecting.whenComplete((instance, failure) ->
        {
            if (failure != null)
                client.completeExceptionally(failure);
            else
                client.complete(instance);
        });
        current = messenger;
    }

    /** A client a standby JVM connected while it waited, for the messenger it becomes; see {@link #preconnect}. */
    private static final java.util.concurrent.atomic.AtomicReference<CompletableFuture<HazelcastInstance>> PRECONNECTED =
        new java.util.concurrent.atomic.AtomicReference<>();
    private static volatile String preconnectedTarget;

    /** Connects a Hazelcast client in the background; completes with it, or with why it could not. */
    private static CompletableFuture<HazelcastInstance> connect(String clusterName, String host, int port,
                                                                String instanceName, long connectTimeoutMs, String who)
    {
        CompletableFuture<HazelcastInstance> connected = new CompletableFuture<>();
        Thread connect = new Thread(() ->
        {
            try
            {
                long start = System.nanoTime();
                HazelcastInstance instance = HazelcastClient.newHazelcastClient(HazelcastSetup.client(clusterName, host,
                    port, instanceName, connectTimeoutMs));
                LOG.info("{} connected to the cluster's Hazelcast member {}:{} in {} ms", who, host, port,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                connected.complete(instance);
            }
            catch (Throwable x)
            {
                connected.completeExceptionally(x);
            }
        }, "egg-hazelcast-connect");
        connect.setDaemon(true);
        connect.start();
        return connected;
    }

    /**
     * For a standby JVM: connects to the cluster's member now, so that the messenger of the child it becomes (same
     * cluster, host and port) finds its client ready.
     */
    public static void preconnect(String clusterName, String host, int port, long connectTimeoutMs)
    {
        preconnectedTarget = clusterName + "@" + host + ":" + port;
        PRECONNECTED.set(connect(clusterName, host, port, "egg-standby-" + ProcessHandle.current().pid(),
            connectTimeoutMs, "standby:" + ProcessHandle.current().pid()));
    }

    /**
     * @return the messenger of this process, or null when this process is not an agent or a worker
     */
    public static Messenger current()
    {
        return current;
    }

    /**
     * Makes {@code messenger} this JVM's messenger without any cluster: for webapps in an embedded container
     * (tests). Not for a process started by a master, which has its own.
     */
    public static void install(ClusterMessenger messenger)
    {
        current = messenger;
    }

    public ClusterMessenger messenger()
    {
        return messenger;
    }

    /**
     * Waits until the Hazelcast client is connected.
     *
     * @throws IllegalStateException saying why it is not
     */
    public void awaitConnected()
    {
        transport();
    }

    private HazelcastTransport transport()
    {
        try
        {
            return transport.get(connectTimeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException e)
        {
            throw new IllegalStateException("not connected to the cluster's Hazelcast member within " +
                connectTimeoutMs + " ms");
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to the cluster's Hazelcast member");
        }
        catch (java.util.concurrent.ExecutionException e)
        {
            throw new IllegalStateException("cannot connect to the cluster's Hazelcast member: " + e.getCause(), e.getCause());
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        client.thenAccept(HazelcastInstance::shutdown);
    }

    /** Waits for the connection on first use. */
    private final class DeferredTransport implements Transport
    {
        @Override
        public Offered offerAll(String slot, List<byte[]> messages) throws InterruptedException
        {
            return transport().offerAll(slot, messages);
        }

        @Override
        public Taken take(String slot, long taker, long acknowledged, int max, long waitMs) throws InterruptedException
        {
            return transport().take(slot, taker, acknowledged, max, waitMs);
        }

        @Override
        public void acknowledge(String slot, long taker, long acknowledged)
        {
            transport().acknowledge(slot, taker, acknowledged);
        }

        @Override
        public Map<String, Long> freshProcesses()
        {
            return transport().freshProcesses();
        }

        @Override
        public Map<String, Long> processes()
        {
            return transport().processes();
        }

        @Override
        public void publishEndpoint(String slot, String endpoint)
        {
            transport().publishEndpoint(slot, endpoint);
        }

        @Override
        public void withdrawEndpoint(String slot, String endpoint)
        {
            transport().withdrawEndpoint(slot, endpoint);
        }

        @Override
        public Map<String, String> endpoints()
        {
            return transport().endpoints();
        }
    }
}
