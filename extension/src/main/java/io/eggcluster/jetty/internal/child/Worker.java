package io.eggcluster.jetty.internal.child;

import java.util.ArrayList;
import java.util.List;

import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.EggSettings;
import io.eggcluster.jetty.internal.messenger.ClusterClient;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker (Egg's {@code app_worker.js}): a Jetty JVM serving the webapps on the port all workers share.
 *
 * <p>It joins the port only when it can serve: the server opens its connectors late ({@code openEarly=false}),
 * after every other component has started, and this component, started after the deployment scanner has deployed
 * the webapps, refuses to start while any webapp is unavailable, which fails the server start before any
 * connector opens. The failure names each webapp and its cause, and reaches the master.</p>
 *
 * <p>When it is made it puts two handlers at the top of its server's handler tree: a {@link DrainHandler} (in place
 * of Jetty's {@code GracefulHandler}), which makes a stop a drain: the listening sockets close first, what comes on
 * connections it holds is still served, with {@code Connection: close}, in-flight requests finish; and, with
 * {@code jetty.egg.maxRequests}, a {@link RequestCounter}, which asks the master once to replace this worker when it
 * has served that many requests plus its jitter.</p>
 */
public class Worker extends Child
{
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    private final Server server;
    private final DrainHandler drain;

    public Worker(Server server, ClusterClient messenger, EggSettings.Health health)
    {
        super(server, messenger, health);
        this.server = server;
        server.setOpenEarly(false);
        // here, from egg-cluster.xml, before this component is added to the server: a new top handler becomes the
        // server's last bean so far, and must start (with the webapps below it) before this component starts, and
        // stop after it (the server stops its beans in reverse order)
        String owner = process().toString();
        drain = DrainHandler.install(server, owner);
        RequestCounter.install(server, owner, health, reason -> report(Control.recycle(reason)));
    }

    @Override
    protected Control.Figures figures()
    {
        Control.Figures own = super.figures();
        return new Control.Figures(own.heapUsedBytes(), drain.getCompleted(), drain.getInFlight(), own.messagesSent(),
            own.messagesReceived());
    }

    @Override
    protected void doStart() throws Exception
    {
        List<String> failures = new ArrayList<>();
        List<ContextHandler> contexts = server.getDescendants(ContextHandler.class);
        for (ContextHandler context : contexts)
        {
            if (!context.isStarted() || !context.isAvailable())
                failures.add(nameOf(context) + ": " + causeOf(context));
        }
        if (!failures.isEmpty())
            throw new IllegalStateException("webapp deployment failed: " + String.join("; ", failures));
        // every connector (HTTP, TLS, any other) is shared by all the workers; they open after this component
        for (org.eclipse.jetty.server.Connector connector : server.getConnectors())
        {
            if (connector instanceof ServerConnector shared)
                shared.setReusePort(true);
        }
        LOG.info("{} deployed {} context(s): {}", process(), contexts.size(),
            contexts.stream().map(Worker::nameOf).toList());
        super.doStart();
    }

    /**
     * @return the WAR (or directory) and context path of a webapp, for messages
     */
    private static String nameOf(ContextHandler context)
    {
        Object war = call(context, "getWar");
        return (war != null ? war + " at " : "") + context.getContextPath();
    }

    /**
     * A webapp that failed to start keeps its cause (ee10 {@code WebAppContext.getUnavailableException()}); the ee10
     * classes are not visible from the server class path, so ask by name.
     */
    private static String causeOf(ContextHandler context)
    {
        Object cause = call(context, "getUnavailableException");
        if (cause instanceof Throwable throwable)
            return Child.describe(throwable);
        return context.isFailed() ? "failed to start" : "not available (state " + context.getState() + ")";
    }

    private static Object call(Object target, String method)
    {
        try
        {
            return target.getClass().getMethod(method).invoke(target);
        }
        catch (ReflectiveOperationException | RuntimeException e)
        {
            return null;
        }
    }
}
