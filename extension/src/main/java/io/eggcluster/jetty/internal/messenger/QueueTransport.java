package io.eggcluster.jetty.internal.messenger;

import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transport that keeps a local copy of the registry and of the direct endpoints (kept up to date by the subclass),
 * which senders read on every send.
 */
abstract class QueueTransport implements Transport
{
    /** The registry as this process knows it; kept up to date by the subclass. */
    final Map<String, Long> processes = new ConcurrentHashMap<>();
    /** What senders read on every sendTo: a live view, no copy. */
    private final Map<String, Long> readOnlyProcesses = Collections.unmodifiableMap(processes);
    /** The direct endpoints as this process knows them; kept up to date by the subclass. */
    final Map<String, String> endpoints = new ConcurrentHashMap<>();
    private final Map<String, String> readOnlyEndpoints = Collections.unmodifiableMap(endpoints);

    @Override
    public Map<String, Long> processes()
    {
        return readOnlyProcesses;
    }

    @Override
    public Map<String, String> endpoints()
    {
        return readOnlyEndpoints;
    }
}
