package io.eggcluster.jetty.api;

import java.util.Objects;

/**
 * Who this JVM is in the cluster: its role, its slot and its pid.
 *
 * <p>The extension records the role and slot a process was started with (system properties
 * {@value #ROLE_PROPERTY} and {@value #WORKER_ID_PROPERTY}) before any webapp is deployed, so a webapp may call
 * {@link #current()} from any thread at any time. A worker's {@link #workerId()} is its slot, 1..N, and stays the
 * same for a replacement started in that slot (like Egg's worker index); the agent's is 0, the master's is 0.</p>
 *
 * <p>Outside an Egg cluster (a plain Jetty, a unit test) {@link #current()} describes a lone worker 1.</p>
 *
 * <p>A value: two {@code EggProcess} are {@linkplain #equals(Object) equal} when their role, worker slot and pid are,
 * so it may be compared with {@code equals} and used as a map key (e.g. the {@link Message#sender()} of two messages
 * from one process). A replacement started in the same slot has another pid, so it is not equal to the process it
 * replaced.</p>
 */
public final class EggProcess
{
    /** System property holding this JVM's role, set by the extension from the command line. */
    public static final String ROLE_PROPERTY = "jetty.egg.role";
    /** System property holding this JVM's worker slot, set by the extension from the command line. */
    public static final String WORKER_ID_PROPERTY = "jetty.egg.workerId";

    private final Role role;
    private final int workerId;
    private final long pid;

    /**
     * @param role the role of the process
     * @param workerId the worker slot (1..N) for a worker, 0 otherwise
     * @param pid the operating system process id
     */
    public EggProcess(Role role, int workerId, long pid)
    {
        this.role = Objects.requireNonNull(role, "role");
        this.workerId = workerId;
        this.pid = pid;
    }

    /**
     * @return this JVM's place in the cluster; a lone worker 1 when no cluster started this JVM
     */
    public static EggProcess current()
    {
        long pid = ProcessHandle.current().pid();
        String role = System.getProperty(ROLE_PROPERTY);
        if (role == null)
            return new EggProcess(Role.WORKER, 1, pid);
        return new EggProcess(Role.parse(role), Integer.parseInt(System.getProperty(WORKER_ID_PROPERTY, "0")), pid);
    }

    /**
     * @return the role of this process
     */
    public Role role()
    {
        return role;
    }

    /**
     * @return the worker slot, 1..N, for a worker; 0 for the agent and the master
     */
    public int workerId()
    {
        return workerId;
    }

    /**
     * @return the operating system pid of this process
     */
    public long pid()
    {
        return pid;
    }

    /**
     * @return whether {@code other} is an {@code EggProcess} with the same role, worker slot and pid
     */
    @Override
    public boolean equals(Object other)
    {
        return other instanceof EggProcess that && role == that.role && workerId == that.workerId && pid == that.pid;
    }

    /**
     * @return a hash of the role, worker slot and pid, consistent with {@link #equals(Object)}
     */
    @Override
    public int hashCode()
    {
        return Objects.hash(role, workerId, pid);
    }

    /**
     * @return {@code role#id:pid}, the prefix the master puts on this process's output
     */
    @Override
    public String toString()
    {
        return role.id() + "#" + workerId + ":" + pid;
    }
}
