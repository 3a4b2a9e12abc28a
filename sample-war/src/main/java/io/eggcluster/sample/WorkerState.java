package io.eggcluster.sample;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.ServletContext;

/** What one worker knows: its own in-memory cache and what the agent told it about readiness. */
final class WorkerState
{
    static final String ATTRIBUTE = WorkerState.class.getName();

    final Map<String, String> cache = new ConcurrentHashMap<>();
    final Map<String, CompletableFuture<Void>> pendingWrites = new ConcurrentHashMap<>();
    final AtomicLong writes = new AtomicLong();
    volatile boolean chosen;
    volatile int readyWorkers;
    volatile boolean allWorkersReady;

    static WorkerState of(ServletContext context)
    {
        return (WorkerState)context.getAttribute(ATTRIBUTE);
    }
}
