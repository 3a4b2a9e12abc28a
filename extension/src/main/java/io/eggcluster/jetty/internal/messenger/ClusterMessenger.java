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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.EggReadyListener;
import io.eggcluster.jetty.api.Message;
import io.eggcluster.jetty.api.MessageListener;
import io.eggcluster.jetty.api.Messenger;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The messenger of one agent or worker process: routes Egg's calls to the slots' queues of a {@link Transport},
 * and, once egg-ready has come, takes this process's own queue on one thread and hands each message to the
 * listeners of its action (or to the handler of a request, or to the future of a reply).
 */
public class ClusterMessenger extends AbstractLifeCycle implements Messenger
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMessenger.class);
    private static final int BATCH = 1024;
    private static final long POLL_MS = 500;
    /** How long a stop waits for what was sent to reach the cluster. */
    private static final long STOP_FLUSH_MS = 5000;
    /** How long {@link #stopReceiving} lets the consumer finish the batch it has taken; the rest is left. */
    private static final long STOP_HANDLING_MS = 5000;

    private final EggProcess self;
    private final int workerCount;
    private final Transport transport;
    private final int maxMessageBytes;
    private final String ownSlot;
    private final List<String> workerSlots;
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
    private final ScheduledExecutorService timeouts;
    private volatile boolean eggReady;
    /** Whether the consumer takes more batches: false once {@link #stopReceiving} began. */
    private volatile boolean taking = true;
    /** Whether frames are dispatched at all: false once {@link #stopReceiving} is over; under {@link #dispatchLock}. */
    private boolean delivering = true;
    /** Whether direct copies are dispatched: false once {@link #stopReceiving} began; under {@link #dispatchLock}. */
    private boolean directOpen = true;
    private Thread consumer;
    private final Outbox outbox;
    private final DirectSender direct;
    /** Delivers the direct copies of what this process sends itself, once its receiver is open. */
    private final java.util.concurrent.ExecutorService toSelf;
    private volatile DirectReceiver receiver;
    private volatile String endpoint;
    /** Where this process takes direct copies: the member's address (loopback unless the cluster spans hosts). */
    private volatile String directHost = "127.0.0.1";
    /** One message is dispatched at a time, whether it came from the queue or directly. */
    private final Object dispatchLock = new Object();
    /** Origin to the seq of the last of its frames dispatched here; guarded by {@link #dispatchLock}. */
    private final Map<Long, Long> seen = new java.util.HashMap<>();
    /** Origin to the seq of the last of its frames whose handling has finished; written under {@link #dispatchLock}. */
    private final Map<Long, Long> done = new ConcurrentHashMap<>();
    /** Dispatches a direct copy that waited. */
    private final EarlyCopies.Dispatch dispatchEarly = (origin, seq, frame) -> accept(origin, seq, frame, true);
    /** Messages dispatched from their direct copy; guarded by {@link #dispatchLock}. */
    private long directDispatched;
    /** Messages dispatched from their queue copy; guarded by {@link #dispatchLock}. */
    private long queueDispatched;
    /** Direct copies that came before an earlier message of their origin; guarded by {@link #dispatchLock}. */
    private final EarlyCopies early;
    /** How often a WARN says that direct copies still wait for the earlier messages of a live sender. */
    static final long HOLD_REPORT_NANOS = TimeUnit.SECONDS.toNanos(30);

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

    public ClusterMessenger(EggProcess self, int workerCount, Transport transport, int maxMessageBytes)
    {
        this(self, workerCount, transport, maxMessageBytes, HOLD_REPORT_NANOS);
    }

    /**
     * @param holdReportNanos how often a WARN says that direct copies still wait for the earlier messages of a live
     *                        sender (they wait for as long as it takes: see {@link EarlyCopies})
     */
    ClusterMessenger(EggProcess self, int workerCount, Transport transport, int maxMessageBytes, long holdReportNanos)
    {
        this.early = new EarlyCopies(self.toString(), holdReportNanos);
        this.self = self;
        this.workerCount = workerCount;
        this.transport = transport;
        this.maxMessageBytes = maxMessageBytes;
        this.ownSlot = slotOf(self);
        List<String> slots = new ArrayList<>(workerCount);
        for (int id = 1; id <= workerCount; id++)
            slots.add(Transport.workerSlot(id));
        this.workerSlots = List.copyOf(slots);
        this.outbox = new Outbox(self.toString(), ThreadLocalRandom.current().nextLong(), transport);
        this.direct = new DirectSender(self.toString(), transport);
        this.toSelf = Executors.newSingleThreadExecutor(r ->
        {
            Thread thread = new Thread(r, "egg-messenger-self");
            thread.setDaemon(true);
            return thread;
        });
        this.timeouts = Executors.newSingleThreadScheduledExecutor(r ->
        {
            Thread thread = new Thread(r, "egg-messenger-timeouts");
            thread.setDaemon(true);
            return thread;
        });
    }

    static String slotOf(EggProcess process)
    {
        return process.role() == Role.AGENT ? Transport.agentSlot() : Transport.workerSlot(process.workerId());
    }

    /**
     * Stops receiving, if {@link #stopReceiving} did not already, then sending: what this process accepted is handed
     * to the cluster first (up to {@value #STOP_FLUSH_MS} ms).
     */
    @Override
    protected void doStop() throws Exception
    {
        stopReceiving();
        synchronized (dispatchLock)
        {
            LOG.debug("{} dispatched {} messages from their direct copy, {} from their queue copy; {} direct copies " +
                "came early; {}", self, directDispatched, queueDispatched, early.held(), direct);
        }
        toSelf.shutdownNow();
        outbox.close(STOP_FLUSH_MS);
        direct.close();
        timeouts.shutdownNow();
        pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("the messenger of " + self +
            " stopped before the answer came")));
        super.doStop();
    }

    /**
     * Stops receiving, and must come before what listens goes (a webapp's listeners when it stops, the agent's
     * hooks), while sending still works (a stopping webapp may send). From now on no direct copy is dispatched (the
     * direct socket closes, and its endpoint is withdrawn) and the consumer takes no further batch; the batch it has
     * taken is dispatched to the listeners, which are still there, and acknowledged, within
     * {@value #STOP_HANDLING_MS} ms. After that, nothing is dispatched at all: what the consumer had not dispatched
     * by then stays unacknowledged in the slot's hold, where the slot's next process takes it. So whatever was sent
     * to this process reached its listeners, or is left to its successor, never neither; nothing is marked handled
     * that no listener saw.
     */
    public void stopReceiving()
    {
        synchronized (this)
        {
            if (!taking)
                return;
            taking = false;
        }
        synchronized (dispatchLock)
        {
            directOpen = false;
        }
        closeReceiver();
        Thread thread = consumer;
        if (thread != null && thread != Thread.currentThread())
        {
            try
            {
                thread.join(POLL_MS + STOP_HANDLING_MS);
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive())
                LOG.warn("{} is still handling its last messages after {} ms: what it has not handled is left to " +
                    "its successor", self, POLL_MS + STOP_HANDLING_MS);
        }
        synchronized (dispatchLock)
        {
            delivering = false;
        }
    }

    /**
     * Egg-ready has come: run the hooks, then deliver what is held for this process and everything after it.
     */
    public void eggReady()
    {
        synchronized (this)
        {
            if (eggReady || !taking)
                return;
            eggReady = true;
            consumer = new Thread(this::consume, "egg-messenger");
            consumer.setDaemon(true);
            consumer.start();
        }
    }

    /** Opens this process's direct socket and tells the others where it is; without it, the queue delivers. */
    private void openReceiver()
    {
        try
        {
            DirectReceiver opened = new DirectReceiver(self.toString(), java.net.InetAddress.getByName(directHost),
                Frames.HEADER + maxMessageBytes,
                frame -> receive(frame, true));
            synchronized (this)
            {
                // not once receiving has stopped: the endpoint would outlive it
                if (!taking)
                {
                    opened.close();
                    return;
                }
                receiver = opened;
                endpoint = opened.endpoint(self.pid());
                transport.publishEndpoint(ownSlot, endpoint);
            }
        }
        catch (IOException | RuntimeException e)
        {
            LOG.warn("{}: no direct messages (its queue delivers everything): {}", self, e.toString());
        }
    }

    private synchronized void closeReceiver()
    {
        DirectReceiver opened = receiver;
        if (opened == null)
            return;
        receiver = null;
        opened.close();
        try
        {
            if (endpoint != null)
                transport.withdrawEndpoint(ownSlot, endpoint);
        }
        catch (RuntimeException e)
        {
            LOG.debug("{}: could not withdraw its direct endpoint: {}", self, e.toString());
        }
    }

    /**
     * @param host the address this process listens on for direct copies (set before egg-ready): the address of the
     *             cluster's Hazelcast member, jetty.egg.hazelcast.host
     */
    public void setDirectHost(String host)
    {
        this.directHost = host;
    }

    /** How many messages were dispatched from their direct copy: for tests. */
    long directDispatched()
    {
        synchronized (dispatchLock)
        {
            return directDispatched;
        }
    }

    private void consume()
    {
        runReadyHooks();
        openReceiver();
        // this consumer's id, with every take: a batch is acknowledged only by the taker it was given to
        long taker = ThreadLocalRandom.current().nextLong();
        // the id of the last batch handled, which the next take acknowledges: 0 at first, so the first take gets
        // first what a predecessor in this slot took and never acknowledged. A failed take leaves it as it was: the
        // batch that take may have taken on the member comes with the next one, acknowledging again is harmless
        long handled = 0;
        boolean acknowledged = true;
        // the takes that returned, counted: what a take shows about the queue (emptied it) is proof only for the
        // direct copies of a sender seen gone before that take began
        long takes = 0;
        while (taking)
        {
            Taken taken;
            try
            {
                taken = transport.take(ownSlot, taker, handled, BATCH, POLL_MS);
            }
            catch (InterruptedException e)
            {
                return;
            }
            catch (RuntimeException e)
            {
                if (!taking)
                    return;
                LOG.warn("{} cannot take its messages: {}", self, e.toString());
                sleepQuietly();
                continue;
            }
            takes++;
            acknowledged = true;
            for (byte[] frame : taken.frames())
            {
                if (!handle(frame))
                {
                    // receiving stopped in the middle: the batch stays unacknowledged, for this slot's next process
                    LOG.info("{} stopped receiving in the middle of {} messages: they are left to its successor",
                        self, taken.frames().size());
                    return;
                }
            }
            releaseProven(takes, taken.drained());
            if (taken.id() != 0)
            {
                handled = taken.id();
                acknowledged = false;
            }
        }
        if (acknowledged)
            return;
        try
        {
            transport.acknowledge(ownSlot, taker, handled);
        }
        catch (RuntimeException e)
        {
            LOG.warn("{} could not acknowledge its last messages, its successor may get them again: {}", self,
                e.toString());
        }
    }

    /**
     * @return false when receiving has stopped and the frame was not dispatched
     */
    private boolean handle(byte[] frame)
    {
        try
        {
            return receive(frame, false);
        }
        catch (Throwable x)
        {
            // whatever the handling of one frame throws, an Error included, costs that frame, not this thread
            skipped(frame, x);
            return true;
        }
    }

    private void skipped(byte[] frame, Throwable failure)
    {
        Frames.logSkipped(LOG, String.valueOf(self), frame, failure);
    }

    private static void sleepQuietly()
    {
        try
        {
            Thread.sleep(100);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A frame from the queue, or its direct copy: dispatched once, and in each origin's order. A queue frame is
     * dispatched unless its direct copy was; a direct frame when it is the next of its origin, else once the ones
     * before it have come from the queue.
     *
     * @return false when the frame was refused because receiving has stopped ({@link #stopReceiving}): it was not
     * dispatched, nor marked as handled
     */
    boolean receive(byte[] frame, boolean directly)
    {
        if (frame.length < Frames.HEADER)
        {
            LOG.warn("{} received a message it cannot decode ({} bytes)", self, frame.length);
            return true;
        }
        long origin = Frames.origin(frame);
        long seq = Frames.seq(frame);
        // a queue copy whose direct copy was handled is skipped without the lock (a seq once handled stays
        // handled), so the direct copies' thread does not wait for a taker that got preempted inside a batch. One
        // whose direct copy is being handled right now waits for the lock: the batch it came in is acknowledged
        // after it, so a crash in the middle of the handling leaves it to the replacement
        Long handled = done.get(origin);
        if (!directly && handled != null && seq <= handled)
            return true;
        synchronized (dispatchLock)
        {
            // a stopping process dispatches nothing its listeners may no longer see: the frame stays unhandled here,
            // and its queue copy, unacknowledged, goes to the slot's next process
            if (!delivering || (directly && !directOpen))
                return false;
            Long last = seen.get(origin);
            if (last != null && seq <= last)
                return true;
            if (directly && seq != (last == null ? 1 : last + 1))
            {
                // an earlier message of this origin has not come yet (it went through the queue only): wait for it
                early.hold(origin, seq, frame);
                return true;
            }
            if (!directly)
                early.beforeQueueCopy(origin, last, seq, dispatchEarly);
            accept(origin, seq, frame, directly);
            early.after(origin, seq, dispatchEarly);
        }
        return true;
    }

    /**
     * After a take: dispatches the direct copies whose missing predecessors are proven never to come (their sender
     * is gone and the take emptied the queue), and reports those still waiting. Never on a timer.
     */
    private void releaseProven(long take, boolean drained)
    {
        // usually nothing waits: then the lock, which the direct copies' threads take for every message, is not
        if (early.isEmpty())
            return;
        synchronized (dispatchLock)
        {
            if (delivering)
                early.afterTake(take, drained, this::gone, seen, dispatchEarly);
        }
    }

    /**
     * @return whether a sender's process has exited and the master has removed it from the registry: every process
     * of the cluster runs on the master's host (a cluster across hosts is refused), so its pid says whether it lives
     */
    private boolean gone(EggProcess sender)
    {
        return !transport.processes().containsValue(sender.pid()) &&
            ProcessHandle.of(sender.pid()).map(p -> !p.isAlive()).orElse(true);
    }

    /** Dispatches the next frame of an origin. Under {@link #dispatchLock}. */
    private void accept(long origin, long seq, byte[] frame, boolean directly)
    {
        seen.put(origin, seq);
        if (directly)
            directDispatched++;
        else
            queueDispatched++;
        dispatch(frame);
        done.put(origin, seq);
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
        if (envelope.targetPid() != 0 && envelope.targetPid() != self.pid())
        {
            LOG.warn("{} drops {} '{}' from {}: it was sent to pid {}, which left slot {} before taking it", self,
                envelope.kind().name().toLowerCase(), envelope.action(), envelope.sender(), envelope.targetPid(), ownSlot);
            return;
        }
        Message message = new Message(envelope.action(), envelope.data(), envelope.sender());
        switch (envelope.kind())
        {
            case MESSAGE -> deliver(message);
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
            offer(slotOf(request.sender()), reply.encode(maxMessageBytes), request.action());
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

    /** The hooks registered before egg-ready, on the consumer thread, before it takes any message. */
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
        return new Envelope(Envelope.Kind.MESSAGE, checkAction(action), self, 0, 0, data).encode(maxMessageBytes);
    }

    private void offer(String slot, byte[] bytes, String action)
    {
        byte[] frame = outbox.send(slot, bytes, action);
        // the queue holds the message for its receiver whatever happens; unless in a burst, a copy also goes
        // straight to the receiver (this process itself included), which takes whichever copy comes first
        if (frame == null)
            return;
        if (!slot.equals(ownSlot))
        {
            if (direct.send(slot, frame))
                outbox.linger(slot);
            else
                outbox.hurry(slot);
        }
        else if (receiver != null)
        {
            try
            {
                toSelf.execute(() -> receive(frame, true));
                outbox.linger(slot);
            }
            catch (java.util.concurrent.RejectedExecutionException stopping)
            {
                // stopping: the queue copy is handed over by the stop
            }
        }
    }

    /**
     * Waits until what this process sent is handed to the cluster (or held back by a full receiver): for tests.
     */
    boolean flush(long timeoutMs)
    {
        return outbox.flush(timeoutMs);
    }

    @Override
    public void broadcast(String action, Object data)
    {
        byte[] bytes = encode(action, data);
        for (String slot : workerSlots)
            offer(slot, bytes, action);
        offer(Transport.agentSlot(), bytes, action);
    }

    @Override
    public void sendToApp(String action, Object data)
    {
        byte[] bytes = encode(action, data);
        for (String slot : workerSlots)
            offer(slot, bytes, action);
    }

    @Override
    public void sendToAgent(String action, Object data)
    {
        offer(Transport.agentSlot(), encode(action, data), action);
    }

    @Override
    public void sendRandom(String action, Object data)
    {
        byte[] bytes = encode(action, data);
        if (self.role() != Role.AGENT)
        {
            offer(Transport.agentSlot(), bytes, action);
            return;
        }
        List<String> ready = transport.processes().keySet().stream().filter(s -> !s.equals(Transport.agentSlot())).toList();
        List<String> candidates = ready.isEmpty() ? workerSlots : ready;
        offer(candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())), bytes, action);
    }

    @Override
    public void sendTo(long pid, String action, Object data)
    {
        byte[] bytes = new Envelope(Envelope.Kind.MESSAGE, checkAction(action), self, pid, 0, data).encode(maxMessageBytes);
        offer(slotOfPid(pid), bytes, action);
    }

    private static String checkAction(String action)
    {
        if (action == null || action.isEmpty())
            throw new IllegalArgumentException("action must be a non-empty String, not " +
                (action == null ? "null" : "''"));
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
        byte[] bytes = new Envelope(Envelope.Kind.REQUEST, checkAction(action), self, pid, id, data).encode(maxMessageBytes);
        CompletableFuture<Object> future = new Answer<>(dispatching::get, "request '" + action + "' to " + slot);
        pending.put(id, future);
        try
        {
            offer(slot, bytes, action);
        }
        catch (RuntimeException e)
        {
            pending.remove(id);
            throw e;
        }
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
            handlers.remove(checkAction(action));
        else
            handlers.put(checkAction(action), new Handler(handler, Thread.currentThread().getContextClassLoader()));
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
    public boolean isEggReady()
    {
        return eggReady;
    }

    @Override
    public EggProcess self()
    {
        return self;
    }

    @Override
    public int workerCount()
    {
        return workerCount;
    }

    @Override
    public List<Long> workerPids()
    {
        Map<String, Long> processes = transport.processes();
        List<Long> pids = new ArrayList<>();
        for (String slot : workerSlots)
        {
            Long pid = processes.get(slot);
            if (pid != null)
                pids.add(pid);
        }
        return pids;
    }

    @Override
    public long agentPid()
    {
        return transport.processes().getOrDefault(Transport.agentSlot(), 0L);
    }

    @Override
    public String toString()
    {
        return "ClusterMessenger[" + self + "]";
    }
}
