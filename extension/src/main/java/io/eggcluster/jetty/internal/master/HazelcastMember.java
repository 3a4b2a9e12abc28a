package io.eggcluster.jetty.internal.master;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.jetty.internal.EggSettings;
import io.eggcluster.jetty.internal.messenger.HazelcastSetup;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's Hazelcast member, which holds the receivers' messages: a bean of the {@link Master}, started before
 * any child is forked and stopped after the children are gone. It starts in the background ({@code
 * egg-hazelcast-member}, from {@link #doStart}, joined in {@link #doStop}) while the agent's JVM boots: the
 * children's clients retry until it is up. A member that cannot start is reported to the master's event loop.
 *
 * <p>It is where the slots' bound in bytes is kept (see {@code Batches}): the children never need
 * {@code jetty.egg.queueBytes}, a refused send names it from there.</p>
 */
@ManagedObject("The master's Hazelcast member")
public final class HazelcastMember extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastMember.class);

    private final String clusterName;
    private final String host;
    private final int port;
    private final int queueCapacity;
    private final long queueBytes;
    private final int slots;
    private final Consumer<String> failed;
    private volatile CompletableFuture<HazelcastInstance> instance;
    private Thread starter;

    /**
     * @param clusterName the cluster's secret name
     * @param port the port (the user's, or one picked free)
     * @param failed gets why the member could not start
     */
    HazelcastMember(EggSettings settings, String clusterName, int port, Consumer<String> failed)
    {
        this.clusterName = clusterName;
        this.host = settings.hazelcastHost();
        this.port = port;
        this.queueCapacity = settings.queueCapacity();
        this.slots = settings.workers() + 1;
        this.failed = failed;
        long maxHeap = Runtime.getRuntime().maxMemory();
        this.queueBytes = settings.queueBytes(maxHeap);
        if (slots * (double)queueBytes > maxHeap / 2.0)
            LOG.warn("the message holds of the {} receivers may take {} MiB of this master's {} MiB heap " +
                "(jetty.egg.queueBytes={} each): set it lower, or give the master more heap", slots,
                slots * queueBytes >> 20, maxHeap >> 20, queueBytes);
    }

    @ManagedAttribute("The member's address")
    public String getAddress()
    {
        return host + ":" + port;
    }

    @ManagedAttribute("Whether the member is up")
    public boolean isUp()
    {
        CompletableFuture<HazelcastInstance> up = instance;
        return up != null && up.isDone() && !up.isCompletedExceptionally();
    }

    /**
     * The options of {@link ChildCommand#HAZELCAST_OPTIONS} this JVM lacks, which Hazelcast checks for when its first
     * member starts (the packages) and advises (the module), as its warning lists them.
     *
     * @param hazelcast the module Hazelcast's classes are in (the class path's unnamed module)
     */
    static List<String> missingOptions(Module hazelcast)
    {
        List<String> missing = new java.util.ArrayList<>();
        for (List<String> option : ChildCommand.HAZELCAST_OPTIONS)
        {
            String value = option.get(1);
            boolean present;
            if (option.get(0).equals("--add-modules"))
                present = ModuleLayer.boot().findModule(value).isPresent();
            else
            {
                String module = value.substring(0, value.indexOf('/'));
                String pkg = value.substring(value.indexOf('/') + 1, value.indexOf('='));
                present = ModuleLayer.boot().findModule(module).map(m -> option.get(0).equals("--add-opens") ?
                    m.isOpen(pkg, hazelcast) : m.isExported(pkg, hazelcast)).orElse(true);
            }
            if (!present)
                missing.add(option.get(0) + " " + value);
        }
        return missing;
    }

    @Override
    protected void doStart()
    {
        List<String> missing = missingOptions(com.hazelcast.config.Config.class.getModule());
        // Hazelcast says it too, as a warning, when the JVM has not given it these: what they are for in 5.7
        // (checked in its classes) is not what this member does: sun.nio.ch lets its network threads swap the JDK's
        // set of selected keys for an array (less garbage per wake-up); sun.management and
        // com.sun.management.internal let it read the OS's figures for its metrics (off: Config#getMetricsConfig);
        // java.lang and jdk.internal.ref serve reflective and Compact serialization of application classes (the
        // cluster's types are IdentifiedDataSerializable). The sample base's jetty-logging.properties lowers that
        // one logger; this line says what it is, once, in our words
        if (!missing.isEmpty())
            LOG.info("the master's JVM runs Hazelcast without {}: its member works without them (its network " +
                "threads use the JDK's set of selected keys, its unused OS metrics read nothing); the children get " +
                "them. To give them to the master, put them before -jar (bin/egg-cluster start does)",
                String.join(" ", missing));
        CompletableFuture<HazelcastInstance> up = new CompletableFuture<>();
        instance = up;
        starter = new Thread(() ->
        {
            long start = System.nanoTime();
            try
            {
                HazelcastInstance member = Hazelcast.newHazelcastInstance(HazelcastSetup.member(clusterName, host, port,
                    List.of(), queueCapacity, queueBytes, slots));
                LOG.info("Hazelcast member up on {}:{} in {} ms; it holds up to {} messages and {} bytes for each of " +
                    "the {} receivers (jetty.egg.queueCapacity, jetty.egg.queueBytes)", host, port,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), queueCapacity, queueBytes, slots);
                up.complete(member);
            }
            catch (Throwable x)
            {
                up.completeExceptionally(x);
                failed.accept("the Hazelcast member cannot start on " + host + ":" + port +
                    " (jetty.egg.hazelcast.host, jetty.egg.hazelcast.port): " + x);
            }
        }, "egg-hazelcast-member");
        starter.setDaemon(true);
        starter.start();
    }

    /**
     * @return the member, once it is up (a child reports ready only once its client is connected to it)
     * @throws IllegalStateException when it could not start
     */
    HazelcastInstance instance()
    {
        try
        {
            return instance.get();
        }
        catch (ExecutionException e)
        {
            throw new IllegalStateException("the Hazelcast member is not up: " + e.getCause(), e.getCause());
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Hazelcast member");
        }
    }

    @Override
    protected void doStop() throws Exception
    {
        // a start under way cannot be cut short: wait for it, then shut the member down
        starter.join(TimeUnit.MINUTES.toMillis(1));
        instance.thenAccept(HazelcastInstance::shutdown);
    }

    @Override
    public String toString()
    {
        return "HazelcastMember@" + host + ":" + port + (isUp() ? " up" : "");
    }
}
