package io.eggcluster.jetty.internal.master;

import java.util.concurrent.TimeUnit;

/** One JVM in a slot: the slot's process, or its replacement while that starts. Event loop only. */
final class Run
{
    final ChildJvm jvm;
    /** Reported ready (a replacement: ready to take over). */
    boolean ready;
    /** Until it must be ready (starting) or gone (draining). */
    long deadlineNanos;
    /** Why it is being killed, once it is. */
    String failure;
    long lastHeartbeatNanos;
    /** What the process reported with its last heartbeat. */
    io.eggcluster.jetty.internal.Control.Figures figures = io.eggcluster.jetty.internal.Control.Figures.NONE;
    /** Stopped with SIGTERM: finishing its requests. */
    boolean draining;
    /** Started because the slot's previous process died (for the backoff). */
    final boolean restart;

    Run(ChildJvm jvm, long timeoutMs, boolean restart)
    {
        this.jvm = jvm;
        this.restart = restart;
        this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    }

    String state()
    {
        return draining ? "draining" : failure != null ? "failing: " + failure : ready ? "ready" : "starting";
    }
}
