package io.eggcluster.jetty.internal.messenger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.jetty.api.EggProcess;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's or worker's link to the cluster: its Hazelcast client, which connects in the background while Jetty
 * deploys, and its {@link ClusterMessenger}, a bean of this one. Sends wait for the connection (up to the start
 * timeout), and the process reports ready only once it is connected ({@link #awaitConnected}). When it starts, its
 * messenger becomes this process's ({@link ProcessMessenger}); when it stops, the messenger stops, then the client
 * disconnects.
 *
 * <p>Threads: {@code egg-hazelcast-connect}, started by {@link #doStart}, which ends once connected (or failed);
 * the messenger's, through its beans; Hazelcast's own, which {@link #doStop} ends by shutting the client down.</p>
 *
 * <p>A standby JVM connects a client before it knows what it becomes ({@link #preconnect}); the client of that
 * JVM takes it over. {@code Standby.main} and the objects {@code XmlConfiguration} builds later in that JVM share
 * nothing but the JVM, so the hand-over is one static: {@link #PRECONNECTED}, set once and taken once.</p>
 */
@ManagedObject("This agent's or worker's Hazelcast client and messenger")
public class ClusterClient extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterClient.class);
    /** A connection a standby JVM began for the client it becomes; see {@link #preconnect}. */
    private static final AtomicReference<Preconnected> PRECONNECTED = new AtomicReference<>();

    private record Preconnected(String target, CompletableFuture<HazelcastInstance> client)
    {
    }

    private final EggProcess self;
    private final String clusterName;
    private final String host;
    private final int port;
    private final CompletableFuture<HazelcastInstance> client = new CompletableFuture<>();
    private final CompletableFuture<HazelcastTransport> transport = client.thenApply(HazelcastTransport::new);
    private final ClusterMessenger messenger;
    private final long connectTimeoutMs;

    /**
     * @param self this process
     * @param workers the number of workers when this process was forked ({@code jetty.egg.workers}), until the master
     *                says otherwise
     * @param clusterName the master's Hazelcast cluster name
     * @param host the master's member address
     * @param port the master's member port
     * @param connectTimeoutMs how long to try to connect
     * @param maxMessageBytes {@code jetty.egg.maxMessageBytes}
     */
    public ClusterClient(EggProcess self, int workers, String clusterName, String host, int port,
                         long connectTimeoutMs, int maxMessageBytes)
    {
        this.self = self;
        this.clusterName = clusterName;
        this.host = host;
        this.port = port;
        this.connectTimeoutMs = connectTimeoutMs;
        this.messenger = new ClusterMessenger(self, workers, new DeferredTransport(), maxMessageBytes);
        messenger.setDirectHost(host);
        addBean(messenger);
    }

    /** Connects (or takes over the standby's connection), makes the messenger this process's, and starts it. */
    @Override
    protected void doStart() throws Exception
    {
        String target = clusterName + "@" + host + ":" + port;
        Preconnected early = PRECONNECTED.getAndSet(null);
        CompletableFuture<HazelcastInstance> connecting;
        if (early != null && target.equals(early.target()))
            connecting = early.client(); // the standby JVM this process was connected while it waited
        else
        {
            if (early != null)
                early.client().thenAccept(HazelcastInstance::shutdown);
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
        ProcessMessenger.install(messenger);
        super.doStart();
    }

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
     * For a standby JVM: connects to the cluster's member now, so that the client of the child it becomes (same
     * cluster, host and port) finds its connection made, or under way.
     */
    public static void preconnect(String clusterName, String host, int port, long connectTimeoutMs)
    {
        PRECONNECTED.set(new Preconnected(clusterName + "@" + host + ":" + port, connect(clusterName, host, port,
            "egg-standby-" + ProcessHandle.current().pid(), connectTimeoutMs, "standby:" + ProcessHandle.current().pid())));
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

    @ManagedAttribute("Whether the Hazelcast client is connected to the cluster's member")
    public boolean isConnected()
    {
        return client.isDone() && !client.isCompletedExceptionally();
    }

    @ManagedAttribute("The cluster's Hazelcast member: host:port")
    public String getMember()
    {
        return host + ":" + port;
    }

    /** Stops the messenger (receiving, then sending), then disconnects. */
    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        client.thenAccept(HazelcastInstance::shutdown);
    }

    @Override
    public String toString()
    {
        return "ClusterClient[" + self + "]@" + Integer.toHexString(hashCode()) + "{" + getState() + ", member " +
            getMember() + (isConnected() ? ", connected" : "") + "}";
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

        @Override
        public int workerCount()
        {
            // before the connection this process cannot know the count: it may have changed since it was forked
            return transport().workerCount();
        }

        @Override
        public long masterPid()
        {
            return transport().masterPid();
        }

        @Override
        public void onWorkersChanged(Runnable listener)
        {
            transport.thenAccept(connected -> connected.onWorkersChanged(listener));
        }
    }
}
