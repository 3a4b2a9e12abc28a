package io.eggcluster.jetty.internal.child;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.internal.Control;
import io.eggcluster.jetty.internal.ProcessGroup;
import io.eggcluster.jetty.internal.messenger.ClusterClient;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the agent and the workers share: they report to the master on its control socket ({@link ControlLink})
 * once their server has started (or failed), take the master's commands on their standard input, and exit when that
 * stream ends, which is when the master is gone, however it went.
 */
abstract class Child extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Child.class);
    /** How long a child whose master vanished may take to stop before it halts. */
    private static final long ORPHAN_HALT_MS = 1000;

    private final EggProcess process;
    private final ClusterClient messenger;
    private final ControlLink master;

    Child(Server server, ClusterClient messenger)
    {
        this.process = messenger.messenger().self();
        this.messenger = messenger;
        this.master = ControlLink.fromEnvironment();
        server.addEventListener(new LifeCycle.Listener()
        {
            @Override
            public void lifeCycleStarted(LifeCycle event)
            {
                LOG.info("{} started: reporting ready to the master", process);
                report(Control.ready());
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
                LifeCycle.stop(messenger);
            }
        });
        Thread watcher = new Thread(this::watchMaster, "egg-master-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * Started after the webapps have deployed and before the connectors open: waits for the messenger's connection
     * (made in parallel with the deployment), so a process takes connections and reports ready only once it can
     * send and receive messages.
     */
    @Override
    protected void doStart() throws Exception
    {
        messenger.awaitConnected();
        super.doStart();
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
        messenger.messenger().stopReceiving();
        super.doStop();
    }

    EggProcess process()
    {
        return process;
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

    private void watchMaster()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(new FileInputStream(FileDescriptor.in),
            StandardCharsets.UTF_8)))
        {
            for (String line = in.readLine(); line != null; line = in.readLine())
            {
                if (line.equals(Control.EGG_READY))
                {
                    LOG.info("{} egg-ready", process);
                    messenger.messenger().eggReady();
                }
                else
                {
                    LOG.warn("{} ignores an unknown command from the master: {}", process, line);
                }
            }
        }
        catch (IOException e)
        {
            LOG.warn("{} lost its master's pipe: {}", process, e.toString());
        }
        orphaned();
    }

    /**
     * The master is gone (its end of our standard input closed): stop, and halt if stopping takes too long. What
     * this process started (a webapp's subprocesses) is in its process group, which it leads: SIGTERM to the group
     * now, SIGKILL (this JVM included) when the halt is due.
     */
    private void orphaned()
    {
        LOG.warn("{} lost its master (standard input closed): exiting", process);
        long pid = ProcessHandle.current().pid();
        boolean leads = ProcessGroup.leads(pid);
        Thread halt = new Thread(() ->
        {
            try
            {
                Thread.sleep(ORPHAN_HALT_MS);
            }
            catch (InterruptedException ignored)
            {
                // halt now
            }
            if (leads)
                ProcessGroup.signal(pid, "KILL");
            Runtime.getRuntime().halt(3);
        }, "egg-orphan-halt");
        halt.setDaemon(true);
        halt.start();
        // the others of the group first: this JVM's own SIGTERM only starts the shutdown System.exit starts too;
        // then SIGKILL for what ignores it, from a shell that outlives this JVM if this JVM exits sooner
        if (leads)
        {
            ProcessGroup.signal(pid, "TERM");
            ProcessGroup.killLater(pid, ORPHAN_HALT_MS);
        }
        System.exit(3);
    }
}
