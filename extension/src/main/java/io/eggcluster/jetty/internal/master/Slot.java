package io.eggcluster.jetty.internal.master;

import java.io.IOException;

import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.Dumpable;

/** A place for a child: the agent, or worker N. A replacement takes its predecessor's slot. */
final class Slot implements Dumpable
{
    final Role role;
    final int id;
    Run run;
    /** The replacement being started while {@link #run} serves. */
    Run next;
    int restarts;
    /** How the slot's last process ended, for the status; null until one did. */
    String lastExit;
    final RestartBackoff backoff = new RestartBackoff();
    /** A restart waiting for its backoff delay. */
    boolean restartPending;
    long restartAtNanos;
    /** Being removed (SIGTTOU): not restarted. */
    boolean removing;

    Slot(Role role, int id)
    {
        this.role = role;
        this.id = id;
    }

    String name()
    {
        return role.id() + "#" + id;
    }

    boolean serving()
    {
        return run != null && run.ready && !run.draining && run.failure == null;
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        out.append(toString()).append(System.lineSeparator());
    }

    @Override
    public String toString()
    {
        // read off the event loop for a dump: a moment's view
        Run current = run;
        Run replacement = next;
        return name() + " " + (current == null ? "- " + (restartPending ? "restart pending" : "empty") :
            current.jvm + " " + current.state()) + (replacement == null ? "" : ", replacement " + replacement.jvm +
            " " + replacement.state()) + ", restarted " + restarts + " time(s)";
    }
}
