package io.eggcluster.jetty.internal.child;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.EggSettings;
import io.eggcluster.jetty.internal.messenger.ClusterClient;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent and the workers share: they report to the master on the control channel ({@link ControlLink})
 * once their server has started (or failed), take the master's commands from it, and exit when their
 * {@link Lifeline} (standard input) ends, which is when the master is gone, however it went.
 *
 * <p>From when it has reported ready until it stops, it sends the master a {@link Heartbeat} every
 * {@code jetty.egg.heartbeatInterval}, each only after a probe went through its request thread pool and its
 * messenger's dispatch, so that a child stuck in either falls silent and is replaced.</p>
 *
 * <p>Threads: {@code egg-control-in} reads the master's commands from {@link #doStart} to {@link #doStop}; the
 * {@link Lifeline} has its own, from when this child is configured until its server has stopped; the
 * {@link Heartbeat} its own, from ready until {@link #doStop}.</p>
 */
@ManagedObject("An agent or a worker: its process and its control channel to the master")
public abstract class Child extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Child.class);

    private final EggProcess process;
    private final ClusterClient messenger;
    private final ControlLink master;
    private final Heartbeat heartbeat;
    private Thread commands;

    Child(Server server, ClusterClient messenger, EggSettings.Health health)
    {
        this.process = messenger.messenger().self();
        this.messenger = messenger;
        this.master = ControlLink.toMaster();
        this.heartbeat = new Heartbeat(process.toString(), health.heartbeatIntervalMs(), health.heartbeatTimeoutMs(),
            server.getThreadPool(), messenger.messenger()::probe, () -> report(Control.heartbeat(figures())));
        // started once ready, stopped by this component's stop: not managed by it, shown in its dump
        addBean(heartbeat, false);
        // from now until the server has stopped (after its webapps): a master that dies meanwhile ends this child
        Lifeline lifeline = new Lifeline(process);
        LifeCycle.start(lifeline);
        server.addBean(lifeline, false);
        server.addEventListener(new LifeCycle.Listener()
        {
            @Override
            public void lifeCycleStarted(LifeCycle event)
            {
                LOG.info("{} started: reporting ready to the master", process);
                report(Control.ready());
                LifeCycle.start(heartbeat);
            }

            @Override
            public void lifeCycleFailure(LifeCycle event, Throwable cause)
            {
                report(Control.failed(describe(cause)));
            }

            @Override
            public void lifeCycleStopped(LifeCycle event)
            {
                // after the webapps, which may still send while they stop
                LifeCycle.stop(heartbeat);
                LifeCycle.stop(messenger);
                LifeCycle.stop(lifeline);
            }
        });
    }

    /** @return this child's figures for its next heartbeat; a worker adds its requests */
    protected Control.Figures figures()
    {
        return new Control.Figures(java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage()
            .getUsed(), -1, -1, messenger.messenger().getMessagesSent(), messenger.messenger().getMessagesReceived());
    }

    /**
     * Started after the webapps have deployed and before the connectors open: waits for the messenger's connection
     * (made in parallel with the deployment), so a process takes connections and reports ready only once it can
     * send and receive messages; then takes the master's commands.
     */
    @Override
    protected void doStart() throws Exception
    {
        messenger.awaitConnected();
        super.doStart();
        commands = new Thread(this::obey, "egg-control-in");
        commands.setDaemon(true);
        commands.start();
    }

    /**
     * Stops receiving messages before anything that listens to them stops: this component was added to the server
     * after the deployment scanner and stops before the webapps (the server stops its beans in reverse order), and
     * before its own beans (the agent's hooks). A message that came after this reaches the slot's next process
     * instead of a listener that is gone; the messenger still sends until the server has stopped.
     */
    @Override
    protected void doStop() throws Exception
    {
        // after the graceful drain (the server stops its beans once its connectors and handlers have drained), so
        // a draining child still sends heartbeats; none once its webapps begin to stop
        LifeCycle.stop(heartbeat);
        messenger.messenger().stopReceiving();
        super.doStop();
        master.stopReading();
        if (commands != null)
            commands.join(1000);
    }

    EggProcess process()
    {
        return process;
    }

    @ManagedAttribute("This process: role#id:pid")
    public String getProcess()
    {
        return process.toString();
    }

    @Override
    public void dump(Appendable out, String indent) throws java.io.IOException
    {
        dumpObjects(out, indent, process + ", control channel to the master " +
            (commands != null && commands.isAlive() ? "open" : "closed"));
    }

    ClusterClient messenger()
    {
        return messenger;
    }

    void report(String line)
    {
        master.send(line);
    }

    static String describe(Throwable cause)
    {
        StringBuilder text = new StringBuilder(String.valueOf(cause));
        for (Throwable c = cause.getCause(); c != null && c != c.getCause(); c = c.getCause())
            text.append(", caused by ").append(c);
        return text.toString();
    }

    /** The master's commands ({@link Control}), until the channel ends or this child stops. */
    private void obey()
    {
        for (String command = master.readCommand(); command != null; command = master.readCommand())
        {
            if (command.equals(Control.EGG_READY))
            {
                LOG.info("{} egg-ready", process);
                messenger.messenger().eggReady();
            }
            else
            {
                LOG.warn("{} ignores an unknown command from the master: {}", process, command);
            }
        }
    }
}
