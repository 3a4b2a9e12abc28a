package io.eggcluster.jetty.api;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Egg's messenger: messages between the agent and the workers of one cluster, carried by Hazelcast.
 *
 * <pre>
 *                      broadcast ------------------------------+
 *   worker#1 ---+----- sendToApp ------+--> worker#1 (itself)  |
 *               |                      +--> worker#2 ... #N    |
 *               +----- sendToAgent ---------------------------(+)--> agent
 *               +----- sendRandom  ------------------------------> agent
 *               +----- sendTo(pid) ------> that process
 *
 *   agent ------+----- broadcast / sendToApp --> every worker  (broadcast: and the agent itself)
 *               +----- sendToAgent ----------> the agent itself
 *               +----- sendRandom  ----------> one random ready worker
 *               +----- sendTo(pid) ----------> that process
 * </pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Delivery</b>: every message reaches each receiver. A message sent before egg-ready, or to an agent or
 *       worker slot that is restarting, is held (in the master's Hazelcast member) and delivered when the receiver
 *       is ready. A receiver acknowledges what it took once handled: what a process took and had not acknowledged
 *       when it died goes to its replacement. So delivery is at least once across a crash, and what the replacement
 *       may handle a second time is every message the dead process had handled whose queue copy it had not yet
 *       taken and acknowledged: the message it was in the middle of, those of its current batch it had finished,
 *       and those it had handled from their direct copy while their queue copy was still on its way (lingering up
 *       to 50 ms in the sender, or queued behind others). A listener whose effect must not be repeated checks
 *       for it (an id in the payload).
 *       A process that stops gracefully stops receiving before its webapps (or the agent's hooks) stop: what comes
 *       after that goes to its replacement. The hold is bounded per receiver, in messages
 *       ({@code jetty.egg.queueCapacity}) and in bytes ({@code jetty.egg.queueBytes}): a send that finds it full
 *       throws {@link IllegalStateException} naming the bound (after waiting up to 1 s for room; at once while the
 *       receiver has taken nothing since), and a message accepted just before it filled up waits in the sender for
 *       room. Nothing is dropped silently. A message addressed by pid to a process that
 *       died before taking it is logged by the replacement, not delivered to it.</li>
 *   <li><b>Ordering</b>: the messages one process sends to another arrive in the order they were sent.</li>
 *   <li><b>Payloads</b>: JSON-like values only: null, String, Number, Boolean, and List or Map (String keys) of
 *       those, nested. Anything else, or a payload whose encoding exceeds {@code jetty.egg.maxMessageBytes}
 *       (default 1 MiB), is refused at send time with an {@link IllegalArgumentException} naming the type or the
 *       size. No class of the application ever needs deserialising in another process.</li>
 *   <li><b>Threading</b>: sends may be called from any thread. As in Egg, they do not wait for the receiver: a
 *       send returns once its message is checked, encoded and accepted by this process, which hands what it
 *       accepted to the cluster in order and in batches, at once, on its own thread (a burst of sends costs a few
 *       calls to the cluster, not one each; a send waits only when thousands are still on their way). A process
 *       that stops hands over what it accepted first; only a process killed outright can lose what it accepted in
 *       the instant before the hand-over. A copy of each message also goes straight to the receiving process
 *       over a loopback socket; the receiver handles whichever copy comes first, once, in order. Listeners run one
 *       message at a time per process, on the messenger's threads; an exception from a listener is logged with the
 *       action and the sender and does not disturb other listeners or later messages. Answers to requests come on
 *       those threads too, so code running there cannot wait for one (see
 *       {@link #request(long, String, Object, Duration)}: it fails at once rather than time out).</li>
 * </ul>
 *
 * <h2>The workers change: {@value #EGG_PIDS}</h2>
 * <p>The number of workers may change while the cluster runs (SIGTTIN to the master adds worker slot N+1, SIGTTOU
 * removes the highest slot gracefully), and workers die and are replaced. {@link #workerCount()} and
 * {@link #workerPids()} are always current (a local copy in each process), and {@code broadcast}/{@code sendToApp}
 * address worker slots 1..{@link #workerCount()} as they are at the time of the call. As Egg's master tells its agent
 * {@code egg-pids}, every process (the agent and each worker) delivers a message with the reserved action
 * {@value #EGG_PIDS} to its listeners ({@code on(Messenger.EGG_PIDS, ...)}) whenever what these two return changes
 * after egg-ready: a worker became ready, a worker went (died, or is being removed), the count changed. Its data is
 * {@link #workerPids()} at that moment (a {@code List<Long>}, by workerId), its sender the master
 * ({@link Role#MASTER}); it is delivered like any message (one at a time with the others, on the messenger's
 * threads), and not for the state at egg-ready itself (an egg-ready hook reads {@link #workerPids()}). Several
 * changes close together may come as one. What a listener sees:</p>
 * <ul>
 *   <li><i>scale-up</i> from N to N+1: {@code egg-pids} with the N pids as before, {@link #workerCount()} already
 *       N+1 (messages sent to all workers from now on include the new slot, and wait for its worker); then, once the
 *       new worker is ready, {@code egg-pids} with N+1 pids;</li>
 *   <li><i>scale-down</i> from N+1 to N: {@code egg-pids} with the pids of workers 1..N, {@link #workerCount()}
 *       already N, while worker N+1 stops gracefully (it finishes what it has taken, then takes nothing more: what
 *       is left for it is moved or counted by the master, see below); nothing more when it exits;</li>
 *   <li><i>a worker dies</i>: {@code egg-pids} without its pid; its replacement ready: with the new pid.</li>
 * </ul>
 * <p>No process can send {@value #EGG_PIDS} (every send, request and {@link #handle} of it throws
 * {@link IllegalArgumentException}), so its listeners know it comes from the cluster and carries pids. A removed
 * worker's leftovers: a message {@code sendRandom} sent to it goes to another worker; a copy of a message to all
 * workers is dropped (the others got theirs) and a message or request addressed to its pid is dropped too, counted in
 * the master's log; a request's future fails at once with an {@link IllegalStateException} saying the worker was
 * removed.</p>
 *
 * <p>In a webapp the messenger is the {@code ServletContext} attribute {@value #ATTRIBUTE}; anywhere in the
 * process, {@link #current()} returns the process's messenger. What a webapp registers (listeners, request handlers,
 * egg-ready hooks) is removed when the webapp stops, whichever of the two it went through: a registration belongs to
 * the webapp whose class loader is the registering thread's context class loader, as it is on the webapp's own
 * threads, on threads it starts and on the messenger's threads while they run its listeners (registrations through
 * the attribute belong to its webapp from any thread). Another webapp's registrations, even of the same action,
 * stay.</p>
 */
public interface Messenger
{
    /** The {@code ServletContext} attribute that holds the webapp's messenger. */
    String ATTRIBUTE = "io.eggcluster.jetty.api.Messenger";

    /**
     * The reserved action of the message each process delivers to its own listeners when the workers change (see
     * above); data: {@link #workerPids()}. It cannot be sent.
     */
    String EGG_PIDS = "egg-pids";

    /**
     * @return this process's messenger; what a webapp registers through it is removed when the webapp stops (see
     *         above)
     * @throws IllegalStateException outside a process started by an Egg cluster
     */
    static Messenger current()
    {
        return MessengerLookup.current();
    }

    /** To every worker (this one included) and the agent. */
    void broadcast(String action, Object data);

    /** To every worker (this one included, when sent from a worker). */
    void sendToApp(String action, Object data);

    /** To the agent. */
    void sendToAgent(String action, Object data);

    /** From a worker: to the agent (as in Egg). From the agent: to one random ready worker. */
    void sendRandom(String action, Object data);

    /**
     * To the process with that pid.
     *
     * @throws IllegalArgumentException when no process of this cluster has that pid
     */
    void sendTo(long pid, String action, Object data);

    /**
     * Sends a request to the process with that pid and completes with its handler's answer.
     * The future fails with {@link java.util.concurrent.TimeoutException} after {@code timeout}, or with the
     * handler's error (an {@link IllegalStateException} carrying its message), or when no handler is registered.
     *
     * <p><b>Threading</b>: the answer is a message like any other, delivered on this process's messenger thread in
     * its sender's order, and the future is completed there (so are the stages chained to it). Waiting for it on
     * that thread, that is with {@code get()} or {@code join()} on the future or a stage chained to it inside a
     * {@link MessageListener}, a {@link RequestHandler} or an {@link EggReadyListener} called before egg-ready,
     * could only wait for the timeout: the answer can be delivered only after the waiting code returns. So it
     * throws an {@link IllegalStateException} at once instead. There, chain on the future ({@code thenAccept},
     * {@code whenComplete}) or, in a request handler, return it; any other thread (a servlet's, a hook called
     * after egg-ready on the thread that registered it) may wait.</p>
     *
     * @throws IllegalArgumentException when no process of this cluster has that pid
     */
    CompletableFuture<Object> request(long pid, String action, Object data, Duration timeout);

    /**
     * {@link #request(long, String, Object, Duration)} to the agent, whatever its current pid; the same threading
     * rule applies to waiting for the answer.
     */
    CompletableFuture<Object> requestAgent(String action, Object data, Duration timeout);

    /**
     * Answers requests for {@code action} in this process; one handler per action, a second replaces the first,
     * {@code null} removes it.
     */
    void handle(String action, RequestHandler handler);

    /**
     * Adds a listener for {@code action}; {@value #EGG_PIDS} is the cluster's own (see above).
     *
     * @return the listener, for {@link #off(String, MessageListener)}
     */
    MessageListener on(String action, MessageListener listener);

    /** Adds a listener that is removed after its first message. */
    MessageListener once(String action, MessageListener listener);

    /**
     * Removes a listener added with {@link #on} or {@link #once}.
     *
     * @return whether it was registered
     */
    boolean off(String action, MessageListener listener);

    /** Calls the hook once egg-ready has come: now if it already has. */
    void onEggReady(EggReadyListener listener);

    /** @return whether egg-ready has come to this process */
    boolean isEggReady();

    /** @return this process: role, workerId, pid */
    EggProcess self();

    /**
     * @return the number of worker slots now (1..N; {@code jetty.egg.workers} at start, then as the cluster scales):
     *         what {@link #sendToApp} addresses
     */
    int workerCount();

    /**
     * @return the pids of the workers that are ready now, by workerId, among slots 1..{@link #workerCount()}
     *         (Egg's {@code egg-pids}; a worker being removed is left out at once), unmodifiable
     */
    List<Long> workerPids();

    /** @return the pid of the agent, or 0 while there is none ready */
    long agentPid();

    /**
     * Answers one request. Called on the messenger thread, like a {@link MessageListener}; to answer with another
     * request's answer, return that request's future rather than wait for it (waiting there throws, see
     * {@link #request(long, String, Object, Duration)}).
     */
    @FunctionalInterface
    interface RequestHandler
    {
        /**
         * @return the answer: a JSON-like value, or a {@link java.util.concurrent.CompletionStage} of one
         */
        Object handle(Message request) throws Exception;
    }
}
