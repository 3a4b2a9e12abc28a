package io.eggcluster.jetty.internal.messenger;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Message;
import io.eggcluster.jetty.api.MessageListener;
import io.eggcluster.jetty.api.Messenger;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.EggConfig;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messenger of one agent or worker process: Egg's routing of each call to the receiver slots, the registry of
 * listeners, request handlers and egg-ready hooks and the dispatch of each message to them, and request/response.
 * It owns no thread; its beans do, each started and stopped with it:
 *
 * <pre>
 *   ClusterMessenger           routing, listeners, dispatch, request/response (no thread)
 *   +- ScheduledExecutorScheduler  egg-messenger-timeouts: the requests' timeouts
 *   +- Sender                  egg-messenger-sender (hand-overs to the queues), egg-messenger-self (copies to itself)
 *   |  +- DirectSender         egg-messenger-direct-connect
 *   +- Inbox                   egg-messenger (takes the queue, runs the egg-ready hooks first), egg-messenger-signals
 *      |                       (egg-pids when the workers change); from egg-ready on
 *      +- DirectReceiver       egg-messenger-direct-accept, egg-messenger-direct-in (one a sending process)
 * </pre>
 *
 * <p>The worker slots that {@code sendToApp} and {@code broadcast} address are 1..{@link #workerCount()}, read from
 * the transport's local copy of what the master says ({@link HazelcastTransport#setWorkerCount}) at each send; when
 * that count or the ready workers change, the inbox's signal thread tells the listeners of
 * {@value io.eggcluster.jetty.api.Messenger#EGG_PIDS}.</p>
 *
 * <p>Stopping stops them in reverse: the inbox stops dispatching (what it did not dispatch is left, unacknowledged,
 * to the slot's next process), then the sender hands over what it accepted, then the timeouts end. A process stops
 * receiving earlier, before its webapps stop, with {@link #stopReceiving}; it still sends until it stops.</p>
 */
@ManagedObject("The messenger of this agent or worker: Egg's routing, listeners and request/response")
public class ClusterMessenger extends ContainerLifeCycle implements Messenger
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMessenger.class);

    /** Every worker slot's name, 1..{@value EggConfig#MAX_WORKERS}: the live ones are the first {@link #workerCount}. */
    private static final List<String> WORKER_SLOTS = IntStream.rangeClosed(1, EggConfig.MAX_WORKERS)
        .mapToObj(Transport::workerSlot).toList();

    private final EggProcess self;
    /** The worker count this process was forked with: until the master says one ({@link Transport#workerCount}). */
    private final int forkedWorkerCount;
    private final Transport transport;
    private final int maxMessageBytes;
    private final String ownSlot;
    private final Map<String, List<Registration>> listeners = new ConcurrentHashMap<>();
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
    private final List<Hook> readyHooks = new CopyOnWriteArrayList<>();
    /**
     * True on a thread while it runs this messenger's listeners, request handlers, answer callbacks or
     * pre-egg-ready hooks: there, waiting for an answer could only time out (see {@link Answer}).
     */
    private final ThreadLocal<Boolean> dispatching = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final AtomicLong requestIds = new AtomicLong();
    private final ScheduledExecutorScheduler timeouts;
    private final Sender sender;
    private final java.util.concurrent.atomic.LongAdder received = new java.util.concurrent.atomic.LongAdder();
    private final Inbox inbox;
    private volatile boolean eggReady;
    /** Guards the start and the stop of receiving: the inbox starts at egg-ready, unless receiving has stopped. */
    private final Object receiving = new Object();
    /** Whether receiving has stopped (or never will start); guarded by {@link #receiving}. */
    private boolean receivingStopped;
    /** The workers as this process's listeners of egg-pids last saw them; only on the inbox's dispatch. */
    private Workers lastWorkers;

    /** What egg-pids tells: the worker count, and the ready workers' pids by workerId. */
    private record Workers(int count, List<Long> pids)
    {
    }

    /*
     * Each registration keeps the context class loader of the thread that made it: the webapp's (or the agent hook
     * WAR's) for what a webapp registers, whichever messenger object it went through. Listeners, handlers and hooks
     * run with it, and removeAll(loader) removes what a stopping webapp registered.
     */
    private record Registration(MessageListener listener, boolean once, ClassLoader loader)
    {
    }

    private record Handler(RequestHandler handler, ClassLoader loader)
    {
    }

    private record Hook(EggReadyListener hook, ClassLoader loader)
    {
    }

    /**
     * @param self this process
     * @param workerCount the number of workers when this process was forked ({@code jetty.egg.workers}): the count
     *                    until the master says one ({@link HazelcastTransport#setWorkerCount}), which is live
     * @param transport the cluster's queues and registry
     * @param maxMessageBytes the largest encoded message, {@code jetty.egg.maxMessageBytes}
     */
    public ClusterMessenger(EggProcess self, int workerCount, Transport transport, int maxMessageBytes)
    {
        this.self = self;
        this.forkedWorkerCount = Math.max(1, Math.min(EggConfig.MAX_WORKERS, workerCount));
        this.transport = transport;
        this.maxMessageBytes = maxMessageBytes;
        this.ownSlot = slotOf(self);
        this.timeouts = new ScheduledExecutorScheduler("egg-messenger-timeouts", true);
        this.inbox = new Inbox(self, ownSlot, transport, new Inbox.Dispatch()
        {
            @Override
            public void opening()
            {
                // what egg-pids tells from now on is what changes after this: a hook may read it as it is
                lastWorkers = workers();
                runReadyHooks();
            }

            @Override
            public void dispatch(byte[] frame)
            {
                ClusterMessenger.this.dispatch(frame);
            }

            @Override
            public void signalled()
            {
                workersChanged();
            }
        }, Frames.HEADER + maxMessageBytes, Inbox.HOLD_REPORT_NANOS);
        transport.onWorkersChanged(inbox::signal);
        this.sender = new Sender(self.toString(), ownSlot, ThreadLocalRandom.current().nextLong(), transport, inbox);
        addBean(timeouts);
        addBean(sender);
        // managed, and started, from egg-ready on: it stops first, before the sender flushes
        addBean(inbox, false);
    }

    static String slotOf(EggProcess process)
    {
        return process.role() == Role.AGENT ? Transport.agentSlot() : Transport.workerSlot(process.workerId());
    }

    /**
     * Stops receiving, if {@link #stopReceiving} did not already, then sending: what this process accepted is handed
     * to the cluster first (up to {@value Sender#STOP_FLUSH_MS} ms). A request still waiting for its answer fails.
     */
    @Override
    protected void doStop() throws Exception
    {
        synchronized (receiving)
        {
            receivingStopped = true;
        }
        super.doStop();
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the messenger of " + self +
            " stopped before the answer came")));
    }

    /**
     * Stops receiving, and must come before what listens goes (a webapp's listeners when it stops, the agent's
     * hooks), while sending still works (a stopping webapp may send): stops the {@link Inbox}. From now on no direct
     * copy is dispatched (the direct socket closes, and its endpoint is withdrawn) and no further batch is taken;
     * the batch taken is dispatched to the listeners, which are still there, and acknowledged, within
     * {@value Inbox#STOP_HANDLING_MS} ms. After that, nothing is dispatched at all: what was not dispatched by then
     * stays unacknowledged in the slot's hold, where the slot's next process takes it. So whatever was sent to this
     * process reached its listeners, or is left to its successor, never neither; nothing is marked handled that no
     * listener saw.
     */
    public void stopReceiving()
    {
        synchronized (receiving)
        {
            if (receivingStopped)
                return;
            receivingStopped = true;
        }
        LifeCycle.stop(inbox);
    }

    /**
     * Egg-ready has come: starts the {@link Inbox}, which runs the hooks, then delivers what is held for this
     * process and everything after it.
     */
    public void eggReady()
    {
        synchronized (receiving)
        {
            if (receivingStopped)
                return;
            synchronized (this)
            {
                if (eggReady)
                    return;
                eggReady = true;
            }
            manage(inbox);
            LifeCycle.start(inbox);
        }
    }

    /**
     * @param host the address this process listens on for direct copies (set before egg-ready): the address of the
     *             cluster's Hazelcast member, jetty.egg.hazelcast.host
     */
    public void setDirectHost(String host)
    {
        inbox.setDirectHost(host);
    }

    /**
     * Runs {@code task} on the calling thread where this process's messages are dispatched, one at a time with them:
     * it waits while a listener or a request handler runs, forever for one that never returns. See
     * {@link Inbox#probe}; the child's heartbeat uses it so that a stuck messenger makes the child fall silent.
     */
    public void probe(Runnable task)
    {
        inbox.probe(task);
    }

    /** How many messages were dispatched from their direct copy: the inbox's {@link Inbox#getDirectDispatched}. */
    long directDispatched()
    {
        return inbox.getDirectDispatched();
    }

    /**
     * A frame for this process, from its queue or directly: see {@link Inbox#receive}.
     *
     * @return false when receiving has stopped and the frame was not dispatched
     */
    boolean receive(byte[] frame, boolean directly)
    {
        return inbox.receive(frame, directly);
    }

    /**
     * Waits until what this process sent is handed to the cluster (or held back by a full receiver): see
     * {@link Sender#flush}.
     */
    boolean flush(long timeoutMs)
    {
        return sender.flush(timeoutMs);
    }

    /** @return messages accepted for the cluster, ever: one per receiving slot */
    public long getMessagesSent()
    {
        return sender.getMessagesSent();
    }

    /** @return messages and requests handed to this process's listeners and handlers, ever */
    @ManagedAttribute("Messages and requests delivered to this process, ever")
    public long getMessagesReceived()
    {
        return received.sum();
    }

    @ManagedAttribute("Whether egg-ready has come")
    @Override
    public boolean isEggReady()
    {
        return eggReady;
    }

    @ManagedAttribute("Requests sent whose answer has not come yet")
    public int getRequestsPending()
    {
        return pending.size();
    }

    @ManagedAttribute("Actions with at least one listener")
    public List<String> getListenedActions()
    {
        return listeners.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).sorted()
            .toList();
    }

    @ManagedAttribute("Actions with a request handler")
    public List<String> getHandledActions()
    {
        return handlers.keySet().stream().sorted().toList();
    }

    @Override
    public void dump(Appendable out, String indent) throws IOException
    {
        dumpObjects(out, indent, "slot " + ownSlot + ", egg-ready " + eggReady + ", requests pending " +
            pending.size() + ", listened " + getListenedActions() + ", handled " + getHandledActions());
    }

    private void dispatch(byte[] bytes)
    {
        Envelope envelope;
        try
        {
            envelope = Envelope.decode(bytes, Frames.HEADER);
        }
        catch (Throwable e)
        {
            LOG.warn("{} received a message it cannot decode ({} bytes): {}", self, bytes.length, Frames.describe(e));
            return;
        }
        if (EGG_PIDS.equals(envelope.action()))
        {
            // only this process tells its listeners of egg-pids; no process sends it (see checkSendable)
            LOG.warn("{} drops '{}' from {}: that action is the cluster's own, never sent", self, EGG_PIDS,
                envelope.sender());
            return;
        }
        if (envelope.targetPid() != 0 && envelope.targetPid() != self.pid())
        {
            LOG.warn("{} drops {} '{}' from {}: it was sent to pid {}, which left slot {} before taking it", self,
                envelope.kind().name().toLowerCase(), envelope.action(), envelope.sender(), envelope.targetPid(), ownSlot);
            return;
        }
        Message message = new Message(envelope.action(), envelope.data(), envelope.sender());
        switch (envelope.kind())
        {
            case MESSAGE, ANY_WORKER ->
            {
                received.increment();
                deliver(message);
            }
            case REQUEST -> answer(envelope, message);
            case REPLY, ERROR_REPLY -> settle(envelope);
        }
    }

    private void deliver(Message message)
    {
        List<Registration> registered = listeners.get(message.action());
        if (registered == null || registered.isEmpty())
        {
            LOG.debug("{}: no listener for '{}' from {}", self, message.action(), message.sender());
            return;
        }
        for (Registration registration : registered)
        {
            if (registration.once() && !registered.remove(registration))
                continue;
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(registration.loader());
            boolean wasDispatching = dispatching.get();
            dispatching.set(Boolean.TRUE);
            try
            {
                registration.listener().onMessage(message);
            }
            catch (Throwable x)
            {
                LOG.warn("{}: a listener of '{}' failed on the message from {}", self, message.action(), message.sender(), x);
            }
            finally
            {
                dispatching.set(wasDispatching);
                thread.setContextClassLoader(previous);
            }
        }
    }

    private void answer(Envelope request, Message message)
    {
        received.increment();
        Handler handler = handlers.get(message.action());
        if (handler == null)
        {
            reply(request, Envelope.Kind.ERROR_REPLY, "no handler for request '" + message.action() + "' in " + self);
            return;
        }
        CompletionStage<?> answer;
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(handler.loader());
        boolean wasDispatching = dispatching.get();
        dispatching.set(Boolean.TRUE);
        try
        {
            Object result = handler.handler().handle(message);
            answer = result instanceof CompletionStage<?> stage ? stage : CompletableFuture.completedFuture(result);
        }
        catch (Throwable x)
        {
            answer = CompletableFuture.failedFuture(x);
        }
        finally
        {
            dispatching.set(wasDispatching);
            thread.setContextClassLoader(previous);
        }
        answer.whenComplete((result, failure) ->
        {
            if (failure != null)
            {
                LOG.warn("{}: the handler of request '{}' from {} failed", self, message.action(), message.sender(), failure);
                reply(request, Envelope.Kind.ERROR_REPLY, "request '" + message.action() + "' failed in " + self + ": " +
                    failure);
            }
            else
            {
                try
                {
                    reply(request, Envelope.Kind.REPLY, result);
                }
                catch (IllegalArgumentException e)
                {
                    reply(request, Envelope.Kind.ERROR_REPLY, "the answer to request '" + message.action() + "' in " +
                        self + " cannot be sent: " + e.getMessage());
                }
            }
        });
    }

    private void reply(Envelope request, Envelope.Kind kind, Object data)
    {
        Envelope reply = new Envelope(kind, request.action(), self, request.sender().pid(), request.requestId(), data);
        try
        {
            sender.send(slotOf(request.sender()), reply.encode(maxMessageBytes), request.action());
        }
        catch (IllegalStateException e)
        {
            LOG.warn("{}: the answer to request '{}' from {} was not sent: {}", self, request.action(), request.sender(),
                e.getMessage());
        }
    }

    private void settle(Envelope reply)
    {
        CompletableFuture<Object> future = pending.remove(reply.requestId());
        if (future == null)
        {
            LOG.warn("{}: an answer to request '{}' from {} came after its timeout", self, reply.action(), reply.sender());
            return;
        }
        // what the requester chained to the future runs here, on this thread
        boolean wasDispatching = dispatching.get();
        dispatching.set(Boolean.TRUE);
        try
        {
            if (reply.kind() == Envelope.Kind.REPLY)
                future.complete(reply.data());
            else
                future.completeExceptionally(new IllegalStateException(String.valueOf(reply.data())));
        }
        finally
        {
            dispatching.set(wasDispatching);
        }
    }

    /** @return the workers now, as this process knows them */
    private Workers workers()
    {
        return new Workers(workerCount(), workerPids());
    }

    /**
     * The registry or the worker count changed (on the inbox's dispatch, after egg-ready): when the worker count or
     * the ready workers' pids differ from what the listeners last saw, they get an egg-pids message, from the master.
     */
    private void workersChanged()
    {
        Workers now = workers();
        if (now.equals(lastWorkers))
            return;
        lastWorkers = now;
        deliver(new Message(EGG_PIDS, now.pids(), new EggProcess(Role.MASTER, 0, transport.masterPid())));
    }

    /** The hooks registered before egg-ready, on the inbox's thread, before it takes any message. */
    private void runReadyHooks()
    {
        boolean wasDispatching = dispatching.get();
        dispatching.set(Boolean.TRUE);
        try
        {
            for (Hook hook : readyHooks)
                runHook(hook);
        }
        finally
        {
            dispatching.set(wasDispatching);
        }
    }

    private void runHook(Hook hook)
    {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(hook.loader());
        try
        {
            hook.hook().onEggReady(this);
        }
        catch (Throwable x)
        {
            LOG.warn("{}: the egg-ready hook {} of {} failed: {}", self, hook.hook().getClass().getName(),
                nameOf(hook.loader()), x, x);
        }
        finally
        {
            thread.setContextClassLoader(previous);
        }
    }

    // ---- sending

    private byte[] encode(String action, Object data)
    {
        return encode(Envelope.Kind.MESSAGE, action, data);
    }

    private byte[] encode(Envelope.Kind kind, String action, Object data)
    {
        return new Envelope(kind, checkSendable(action), self, 0, 0, data).encode(maxMessageBytes);
    }

    /** @return the live worker slots, 1..{@link #workerCount()}: a local copy, no remote call */
    private List<String> workerSlots()
    {
        return WORKER_SLOTS.subList(0, workerCount());
    }

    @Override
    public void broadcast(String action, Object data)
    {
        byte[] bytes = encode(action, data);
        for (String slot : workerSlots())
            sender.send(slot, bytes, action);
        sender.send(Transport.agentSlot(), bytes, action);
    }

    @Override
    public void sendToApp(String action, Object data)
    {
        byte[] bytes = encode(action, data);
        for (String slot : workerSlots())
            sender.send(slot, bytes, action);
    }

    @Override
    public void sendToAgent(String action, Object data)
    {
        sender.send(Transport.agentSlot(), encode(action, data), action);
    }

    @Override
    public void sendRandom(String action, Object data)
    {
        if (self.role() != Role.AGENT)
        {
            sender.send(Transport.agentSlot(), encode(action, data), action);
            return;
        }
        // marked as for any one worker: if its slot is removed before taking it, it goes to another (SlotRetirement)
        byte[] bytes = encode(Envelope.Kind.ANY_WORKER, action, data);
        List<String> live = workerSlots();
        Map<String, Long> processes = transport.processes();
        List<String> ready = new ArrayList<>(live.size());
        for (String slot : live)
        {
            if (processes.containsKey(slot))
                ready.add(slot);
        }
        List<String> candidates = ready.isEmpty() ? live : ready;
        sender.send(candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())), bytes, action);
    }

    @Override
    public void sendTo(long pid, String action, Object data)
    {
        byte[] bytes = new Envelope(Envelope.Kind.MESSAGE, checkSendable(action), self, pid, 0, data)
            .encode(maxMessageBytes);
        sender.send(slotOfPid(pid), bytes, action);
    }

    private static String checkAction(String action)
    {
        if (action == null || action.isEmpty())
            throw new IllegalArgumentException("action must be a non-empty String, not " +
                (action == null ? "null" : "''"));
        return action;
    }

    /** @return the action, when a process may send it (or handle requests for it): not {@value Messenger#EGG_PIDS} */
    private static String checkSendable(String action)
    {
        if (EGG_PIDS.equals(checkAction(action)))
            throw new IllegalArgumentException("'" + EGG_PIDS + "' is the cluster's own action (each process tells " +
                "its listeners when the workers change): it cannot be sent, requested or handled; use another name");
        return action;
    }

    private String slotOfPid(long pid)
    {
        String slot = find(transport.processes(), pid);
        if (slot != null)
            return slot;
        // this process may not have heard yet of a process that just became ready: ask the registry itself
        Map<String, Long> processes = transport.freshProcesses();
        slot = find(processes, pid);
        if (slot != null)
            return slot;
        throw new IllegalArgumentException("no process with pid " + pid + " in this cluster (ready now: " +
            processes + ")");
    }

    private static String find(Map<String, Long> processes, long pid)
    {
        for (Map.Entry<String, Long> entry : processes.entrySet())
        {
            if (entry.getValue() == pid)
                return entry.getKey();
        }
        return null;
    }

    @Override
    public CompletableFuture<Object> request(long pid, String action, Object data, Duration timeout)
    {
        return request(slotOfPid(pid), pid, action, data, timeout);
    }

    @Override
    public CompletableFuture<Object> requestAgent(String action, Object data, Duration timeout)
    {
        return request(Transport.agentSlot(), 0, action, data, timeout);
    }

    private CompletableFuture<Object> request(String slot, long pid, String action, Object data, Duration timeout)
    {
        long id = requestIds.incrementAndGet();
        byte[] bytes = new Envelope(Envelope.Kind.REQUEST, checkSendable(action), self, pid, id, data)
            .encode(maxMessageBytes);
        CompletableFuture<Object> future = new Answer<>(dispatching::get, "request '" + action + "' to " + slot);
        pending.put(id, future);
        try
        {
            sender.send(slot, bytes, action);
        }
        catch (RuntimeException e)
        {
            pending.remove(id);
            throw e;
        }
        // a request made before the messenger starts has no timeout: it fails when the messenger stops
        timeouts.schedule(() ->
        {
            if (pending.remove(id, future))
                future.completeExceptionally(new TimeoutException("no answer to request '" + action + "' from " + slot +
                    " within " + timeout.toMillis() + " ms"));
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return future;
    }

    @Override
    public void handle(String action, RequestHandler handler)
    {
        if (handler == null)
            handlers.remove(checkSendable(action));
        else
            handlers.put(checkSendable(action), new Handler(handler, Thread.currentThread().getContextClassLoader()));
    }

    // ---- listening

    @Override
    public MessageListener on(String action, MessageListener listener)
    {
        return register(action, listener, false);
    }

    @Override
    public MessageListener once(String action, MessageListener listener)
    {
        return register(action, listener, true);
    }

    private MessageListener register(String action, MessageListener listener, boolean once)
    {
        java.util.Objects.requireNonNull(listener, "listener");
        listeners.computeIfAbsent(checkAction(action), a -> new CopyOnWriteArrayList<>())
            .add(new Registration(listener, once, Thread.currentThread().getContextClassLoader()));
        return listener;
    }

    @Override
    public boolean off(String action, MessageListener listener)
    {
        List<Registration> registered = listeners.get(action);
        if (registered == null)
            return false;
        for (Registration registration : registered)
        {
            if (registration.listener() == listener)
                return registered.remove(registration);
        }
        return false;
    }

    @Override
    public void onEggReady(EggReadyListener listener)
    {
        java.util.Objects.requireNonNull(listener, "listener");
        Hook hook = new Hook(listener, Thread.currentThread().getContextClassLoader());
        synchronized (this)
        {
            if (!eggReady)
            {
                readyHooks.add(hook);
                return;
            }
        }
        runHook(hook);
    }

    /**
     * Removes every listener, request handler and egg-ready hook that a thread whose context class loader was
     * {@code owner}, or a loader below it, registered: what a stopping webapp (or agent hook WAR) registered, whether
     * through its {@code ServletContext} attribute or through {@link Messenger#current()}. A handler that another
     * owner has registered since for the same action stays.
     *
     * @return how many registrations were removed
     */
    public int removeAll(ClassLoader owner)
    {
        java.util.Objects.requireNonNull(owner, "owner");
        int removed = 0;
        for (List<Registration> registered : listeners.values())
        {
            for (Registration registration : registered)
            {
                if (ownedBy(registration.loader(), owner) && registered.remove(registration))
                    removed++;
            }
        }
        for (Map.Entry<String, Handler> entry : handlers.entrySet())
        {
            if (ownedBy(entry.getValue().loader(), owner) && handlers.remove(entry.getKey(), entry.getValue()))
                removed++;
        }
        for (Hook hook : readyHooks)
        {
            if (ownedBy(hook.loader(), owner) && readyHooks.remove(hook))
                removed++;
        }
        return removed;
    }

    /** @return a class loader's name, for messages: an agent hook's names its WAR, a webapp's its context */
    private static String nameOf(ClassLoader loader)
    {
        if (loader == null)
            return "the bootstrap class loader";
        return loader.getName() != null ? loader.getName() : loader.toString();
    }

    /** @return whether {@code loader} is {@code owner} or below it */
    private static boolean ownedBy(ClassLoader loader, ClassLoader owner)
    {
        for (ClassLoader l = loader; l != null; l = l.getParent())
        {
            if (l == owner)
                return true;
        }
        return false;
    }

    @Override
    public EggProcess self()
    {
        return self;
    }

    @Override
    public int workerCount()
    {
        int count = transport.workerCount();
        return count > 0 ? count : forkedWorkerCount;
    }

    @Override
    public List<Long> workerPids()
    {
        Map<String, Long> processes = transport.processes();
        List<Long> pids = new ArrayList<>();
        for (String slot : workerSlots())
        {
            Long pid = processes.get(slot);
            if (pid != null)
                pids.add(pid);
        }
        return List.copyOf(pids);
    }

    @Override
    public long agentPid()
    {
        return transport.processes().getOrDefault(Transport.agentSlot(), 0L);
    }

    @Override
    public String toString()
    {
        return "ClusterMessenger[" + self + "]@" + Integer.toHexString(hashCode()) + "{" + getState() + "}";
    }
}
