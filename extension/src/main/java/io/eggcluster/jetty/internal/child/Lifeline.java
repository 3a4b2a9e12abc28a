package io.eggcluster.jetty.internal.child;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;

import io.eggcluster.jetty.internal.ProcessGroup;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child's standard input, a pipe from the master that the master never writes: when it ends, the master is gone,
 * however it went (a SIGKILL included), and the child exits. Commands come on the control channel
 * ({@link ControlLink}), never here: whatever arrives on standard input is read and ignored.
 *
 * <p>Thread: {@code egg-lifeline}, started in {@link #doStart}, ended in {@link #doStop} (closing the channel wakes
 * its read). When the master is gone it exits the JVM; a stop that takes longer than {@link #ORPHAN_HALT_MS} is cut
 * short by {@code egg-orphan-halt}, which must outlive every component's stop and so belongs to none.</p>
 */
@ManagedObject("A child's lifeline: its standard input from the master")
public final class Lifeline extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(Lifeline.class);
    /** How long a child whose master vanished may take to stop before it halts. */
    static final long ORPHAN_HALT_MS = 1000;

    private final Object process;
    private FileChannel stdin;
    private Thread thread;
    private volatile boolean orphaned;

    /** @param process what this process is, for the log */
    Lifeline(Object process)
    {
        this.process = process;
    }

    @Override
    protected void doStart() throws Exception
    {
        stdin = new FileInputStream(FileDescriptor.in).getChannel();
        thread = new Thread(this::watch, "egg-lifeline");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    protected void doStop() throws Exception
    {
        // when the watcher itself is exiting the JVM, this stop is part of that exit: it must not wait for it
        if (orphaned)
            return;
        stdin.close();
        thread.join(1000);
    }

    private void watch()
    {
        ByteBuffer ignored = ByteBuffer.allocate(256);
        try
        {
            while (stdin.read(ignored) >= 0)
                ignored.clear();
        }
        catch (ClosedChannelException e)
        {
            return; // stopped
        }
        catch (IOException e)
        {
            LOG.warn("{} lost its master's pipe: {}", process, e.toString());
        }
        if (isStopping() || isStopped())
            return;
        orphaned();
    }

    /**
     * The master is gone (its end of our standard input closed): stop, and halt if stopping takes too long. What
     * this process started (a webapp's subprocesses) is in its process group, which it leads: SIGTERM to the group
     * now, SIGKILL (this JVM included) when the halt is due.
     */
    private void orphaned()
    {
        orphaned = true;
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
