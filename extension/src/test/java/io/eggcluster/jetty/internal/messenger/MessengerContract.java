package io.eggcluster.jetty.internal.messenger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Message;
import io.eggcluster.jetty.api.MessageListener;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every transport must give the messenger: Egg's routing table, "itself included", per-sender order, holding
 * messages until the receiver is ready, the refusals, and request/response. A cluster here is one agent and two
 * workers in one JVM, with made-up pids.
 */
abstract class MessengerContract
{
    static final int CAPACITY = 2000;
    static final int MAX_BYTES = 4096;
    /** The bytes each slot holds: more than the tests send, but for the one that fills it. */
    static final long BYTES = 1 << 20;
    static final Duration QUIET = Duration.ofMillis(300);

    final EggProcess agentProcess = new EggProcess(Role.AGENT, 0, 7000);
    final EggProcess worker1Process = new EggProcess(Role.WORKER, 1, 7001);
    final EggProcess worker2Process = new EggProcess(Role.WORKER, 2, 7002);
    /** A worker slot the cluster grows into. */
    final EggProcess worker3Process = new EggProcess(Role.WORKER, 3, 7003);
    final List<ClusterMessenger> started = new ArrayList<>();

    /** A transport for one process; all share the same cluster. */
    abstract Transport transport(EggProcess process);

    /** The master's registry: the process is ready. */
    abstract void register(EggProcess process);

    /** The master's registry: the process in that slot is gone. */
    abstract void unregister(EggProcess process);

    /** The master's worker count: the cluster scales. */
    abstract void setWorkerCount(int count);

    /** The master retires a removed worker's slot. */
    abstract RetiredSlot retireSlot(int workerId);

    ClusterMessenger messenger(EggProcess process) throws Exception
    {
        ClusterMessenger messenger = new ClusterMessenger(process, 2, transport(process), MAX_BYTES);
        messenger.start();
        started.add(messenger);
        return messenger;
    }

    /** A cluster whose three processes are registered and egg-ready. */
    ClusterMessenger[] readyCluster() throws Exception
    {
        ClusterMessenger[] cluster = {messenger(agentProcess), messenger(worker1Process), messenger(worker2Process)};
        for (ClusterMessenger messenger : cluster)
        {
            register(messenger.self());
            messenger.eggReady();
        }
        return cluster;
    }

    @AfterEach
    void stopMessengers() throws Exception
    {
        List<Thread> stops = new ArrayList<>();
        for (ClusterMessenger messenger : started)
        {
            Thread stop = new Thread(() -> LifeCycle.stop(messenger));
            stop.start();
            stops.add(stop);
        }
        for (Thread stop : stops)
            stop.join();
        started.clear();
    }

    /** Collects what one process receives for one action. */
    static final class Inbox implements MessageListener
    {
        final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();

        @Override
        public void onMessage(Message message)
        {
            messages.add(message);
        }

        Message next() throws InterruptedException
        {
            Message message = messages.poll(10, TimeUnit.SECONDS);
            if (message == null)
                throw new AssertionError("no message within 10 s");
            return message;
        }

        void assertNothingMore() throws InterruptedException
        {
            Message extra = messages.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS);
            assertNull(extra, () -> "unexpected " + extra);
        }
    }

    private Inbox[] inboxes(ClusterMessenger[] cluster, String action)
    {
        Inbox[] inboxes = new Inbox[cluster.length];
        for (int i = 0; i < cluster.length; i++)
        {
            inboxes[i] = new Inbox();
            cluster[i].on(action, inboxes[i]);
        }
        return inboxes;
    }

    private static void assertReceives(Inbox inbox, Object data, EggProcess sender) throws InterruptedException
    {
        Message message = inbox.next();
        assertEquals(data, message.data());
        assertEquals(sender.pid(), message.sender().pid());
        assertEquals(sender.role(), message.sender().role());
    }

    @Test
    void broadcastFromAWorkerReachesEveryWorkerItselfIncludedAndTheAgent() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "news");
        c[1].broadcast("news", "hello");
        for (Inbox inbox : in)
            assertReceives(inbox, "hello", worker1Process);
        for (Inbox inbox : in)
            inbox.assertNothingMore();
    }

    @Test
    void broadcastFromTheAgentReachesEveryWorkerAndTheAgent() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "news");
        c[0].broadcast("news", 42);
        for (Inbox inbox : in)
            assertReceives(inbox, 42, agentProcess);
    }

    @Test
    void sendToAppReachesEveryWorkerItselfIncludedNotTheAgent() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "app");
        c[2].sendToApp("app", List.of(1, 2));
        assertReceives(in[1], List.of(1, 2), worker2Process);
        assertReceives(in[2], List.of(1, 2), worker2Process);
        in[0].assertNothingMore();
        c[0].sendToApp("app", "from agent");
        assertReceives(in[1], "from agent", agentProcess);
        assertReceives(in[2], "from agent", agentProcess);
        in[0].assertNothingMore();
    }

    @Test
    void sendToAgentReachesOnlyTheAgent() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "job");
        c[1].sendToAgent("job", Map.of("n", 1));
        assertReceives(in[0], Map.of("n", 1), worker1Process);
        in[1].assertNothingMore();
        in[2].assertNothingMore();
    }

    @Test
    void sendRandomFromAWorkerGoesToTheAgentAndFromTheAgentToExactlyOneWorker() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "pick");
        c[2].sendRandom("pick", "w");
        assertReceives(in[0], "w", worker2Process);
        for (int i = 0; i < 20; i++)
            c[0].sendRandom("pick", i);
        List<Object> seen = new ArrayList<>();
        Thread.sleep(QUIET.toMillis());
        in[1].messages.forEach(m -> seen.add(m.data()));
        in[2].messages.forEach(m -> seen.add(m.data()));
        assertEquals(20, seen.size(), "each of the 20 reached exactly one worker: " + seen);
        assertEquals(20, seen.stream().distinct().count());
        in[0].assertNothingMore();
    }

    @Test
    void sendToReachesTheProcessWithThatPidAndAnUnknownPidIsAnError() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "direct");
        c[0].sendTo(worker2Process.pid(), "direct", true);
        assertReceives(in[2], true, agentProcess);
        c[1].sendTo(agentProcess.pid(), "direct", false);
        assertReceives(in[0], false, worker1Process);
        in[1].assertNothingMore();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c[1].sendTo(4242, "direct", 1));
        assertTrue(e.getMessage().contains("no process with pid 4242"), e.getMessage());
    }

    @Test
    void messagesFromOneSenderArriveInOrder() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "seq");
        for (int i = 0; i < 500; i++)
            c[1].sendToAgent("seq", i);
        for (int i = 0; i < 500; i++)
            assertEquals(i, in[0].next().data());
    }

    @Test
    void directAndQueuedCopiesMakeEachMessageArriveOnceAndInOrder() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox pings = new Inbox();
        c[0].on("ping", pings);
        Inbox pongs = new Inbox();
        c[1].on("pong", pongs);
        c[0].on("ping", m -> c[0].sendTo(worker1Process.pid(), "pong", m.data()));
        // sequential round trips: each message alone in its slot, so it also goes directly
        for (int i = 0; i < 200; i++)
        {
            c[1].sendToAgent("ping", i);
            assertEquals(i, pongs.next().data());
        }
        // then bursts from four threads, which mostly travel through the queue
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++)
        {
            int thread = t;
            senders.add(new Thread(() ->
            {
                for (int i = 0; i < 500; i++)
                    c[1].sendToAgent("ping", 1000 * (thread + 1) + i);
            }));
        }
        senders.forEach(Thread::start);
        for (Thread sender : senders)
            sender.join();
        Map<Integer, Integer> lastOfThread = new HashMap<>();
        for (int i = 0; i < 200; i++)
            assertEquals(i, pings.next().data());
        for (int i = 0; i < 2000; i++)
        {
            int value = (Integer)pings.next().data();
            Integer last = lastOfThread.put(value / 1000, value);
            assertTrue(last == null ? value % 1000 == 0 : value == last + 1, "after " + last + " came " + value);
        }
        pings.assertNothingMore();
        assertTrue(c[0].directDispatched() > 0 && c[1].directDispatched() > 0, "the direct path carried some: agent " +
            c[0].directDispatched() + ", worker " + c[1].directDispatched());
    }

    @Test
    void aDirectCopyThatOvertakesQueuedMessagesWaitsForThem() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox in = new Inbox();
        c[0].on("order", in);
        for (int round = 0; round < 20; round++)
        {
            // a burst travels through the queue only; the message after a pause also goes directly, and gets there
            // first
            for (int i = 0; i < 50; i++)
                c[1].sendToAgent("order", round * 100 + i);
            Thread.sleep(1);
            c[1].sendToAgent("order", round * 100 + 50);
            for (int i = 0; i <= 50; i++)
                assertEquals(round * 100 + i, in.next().data());
        }
        in.assertNothingMore();
    }

    @Test
    void messagesSentBeforeTheReceiverIsReadyAreHeldAndDelivered() throws Exception
    {
        ClusterMessenger agent = messenger(agentProcess);
        ClusterMessenger worker = messenger(worker1Process);
        register(agentProcess);
        agent.eggReady();
        Inbox inbox = new Inbox();
        worker.on("early", inbox);
        agent.sendToApp("early", "first");
        agent.sendToApp("early", "second");
        inbox.assertNothingMore();
        worker.eggReady();
        assertEquals("first", inbox.next().data());
        assertEquals("second", inbox.next().data());
    }

    @Test
    void aBatchTakenByAProcessThatDiedBeforeHandlingItReachesItsReplacement() throws Exception
    {
        ClusterMessenger agent = messenger(agentProcess);
        register(agentProcess);
        agent.eggReady();
        for (int i = 0; i < 3; i++)
            agent.sendToApp("crash", i);
        assertTrue(agent.flush(10_000));
        // worker 1 takes its batch, then dies without handling it (no acknowledgement)
        List<byte[]> taken = transport(worker1Process).take(Transport.workerSlot(1), 42, 0, 10, 5000).frames();
        assertEquals(3, taken.size());

        ClusterMessenger replacement = messenger(worker1Process);
        Inbox inbox = new Inbox();
        replacement.on("crash", inbox);
        replacement.eggReady();
        for (int i = 0; i < 3; i++)
            assertEquals(i, inbox.next().data());
        agent.sendToApp("crash", 3);
        assertEquals(3, inbox.next().data());
        inbox.assertNothingMore();
    }

    @Test
    void aProcessThatStopsAcknowledgesWhatItHandledSoItsSuccessorGetsNothingTwice() throws Exception
    {
        ClusterMessenger agent = messenger(agentProcess);
        register(agentProcess);
        agent.eggReady();
        ClusterMessenger first = messenger(worker1Process);
        Inbox firstInbox = new Inbox();
        first.on("once", firstInbox);
        first.eggReady();
        agent.sendToApp("once", "a");
        agent.sendToApp("once", "b");
        assertEquals("a", firstInbox.next().data());
        assertEquals("b", firstInbox.next().data());
        first.stop();

        ClusterMessenger second = messenger(worker1Process);
        Inbox secondInbox = new Inbox();
        second.on("once", secondInbox);
        second.eggReady();
        secondInbox.assertNothingMore();
        agent.sendToApp("once", "c");
        assertEquals("c", secondInbox.next().data());
    }

    @Test
    void whatComesAfterAProcessStoppedReceivingReachesItsSuccessorNotItsListeners() throws Exception
    {
        ClusterMessenger agent = messenger(agentProcess);
        register(agentProcess);
        agent.eggReady();
        ClusterMessenger first = messenger(worker1Process);
        Inbox firstInbox = new Inbox();
        first.on("late", firstInbox);
        register(worker1Process);
        first.eggReady();
        agent.sendToApp("late", "a");
        assertEquals("a", firstInbox.next().data());
        first.stopReceiving();
        agent.sendToApp("late", "b");
        assertTrue(agent.flush(10_000));
        // a direct copy that reaches it now is refused, not marked handled
        byte[] direct = Frames.frame(1234, 1, new Envelope(Envelope.Kind.MESSAGE, "late", agentProcess, 0, 0, "c")
            .encode(MAX_BYTES));
        assertFalse(first.receive(direct, true));
        firstInbox.assertNothingMore();
        // and it still sends, as a stopping webapp may
        Inbox agentInbox = new Inbox();
        agent.on("late", agentInbox);
        first.sendToAgent("late", "from the stopping one");
        assertEquals("from the stopping one", agentInbox.next().data());

        ClusterMessenger second = messenger(worker1Process);
        Inbox secondInbox = new Inbox();
        second.on("late", secondInbox);
        second.eggReady();
        assertEquals("b", secondInbox.next().data());
        secondInbox.assertNothingMore();
    }

    @Test
    void aFullHoldIsAnErrorTheSenderSeesAndLosesNothingAccepted() throws Exception
    {
        ClusterMessenger agent = messenger(agentProcess);
        ClusterMessenger worker = messenger(worker1Process);
        // the hold takes CAPACITY; the message after them is accepted, and waits in the sender for room
        for (int i = 0; i <= CAPACITY; i++)
            worker.sendToAgent("fill", i);
        assertTrue(worker.flush(10_000));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> worker.sendToAgent("fill", "one more"));
        assertTrue(e.getMessage().contains("agent is full"), e.getMessage());
        assertTrue(e.getMessage().contains("'fill' was not sent"), e.getMessage());

        // once the agent takes its messages, the held one follows, in order, and sends work again
        Inbox inbox = new Inbox();
        agent.on("fill", inbox);
        register(agentProcess);
        agent.eggReady();
        for (int i = 0; i <= CAPACITY; i++)
            assertEquals(i, inbox.next().data());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true)
        {
            try
            {
                worker.sendToAgent("fill", "after");
                break;
            }
            catch (IllegalStateException stillFull)
            {
                assertTrue(System.nanoTime() < deadline, "sends still refused 10 s after the agent took its messages");
                Thread.sleep(Outbox.RETRY_MS);
            }
        }
        assertEquals("after", inbox.next().data());
        inbox.assertNothingMore();
    }

    @Test
    void aHoldFullInBytesIsAnErrorNamingQueueBytesAndLosesNothingAccepted() throws Exception
    {
        ClusterMessenger agent = messenger(agentProcess);
        ClusterMessenger worker = messenger(worker1Process);
        String big = "x".repeat(MAX_BYTES - 100);
        int sent = (int)(BYTES / (MAX_BYTES - 100)) + 10;
        // more than the hold takes: depending on how soon the sender thread finds the hold full, a send in the loop
        // (after its wait for room) or the one after the flush is refused; every send before it was accepted
        List<Integer> accepted = new java.util.ArrayList<>();
        IllegalStateException refused = null;
        for (int i = 0; i < sent && refused == null; i++)
        {
            try
            {
                worker.sendToAgent("big", List.of(i, big));
                accepted.add(i);
            }
            catch (IllegalStateException e)
            {
                refused = e;
            }
        }
        if (refused == null)
        {
            assertTrue(worker.flush(10_000));
            refused = assertThrows(IllegalStateException.class, () -> worker.sendToAgent("big", "more"));
        }
        assertTrue(refused.getMessage().contains("the message queue of agent is full (jetty.egg.queueBytes=" + BYTES +
            ":"), refused.getMessage());
        assertTrue(refused.getMessage().contains("'big' was not sent"), refused.getMessage());
        // a message costs the hold its frame: at most MAX_BYTES of encoding plus the 16-byte header (this one's is
        // ~4,065 bytes, not the string's 3,996); the hold refuses only a frame that would not fit
        assertTrue(accepted.size() * (long)(MAX_BYTES + 16) >= BYTES - (MAX_BYTES + 16),
            "the hold took its bytes' worth: " + accepted.size());

        Inbox inbox = new Inbox();
        agent.on("big", inbox);
        register(agentProcess);
        agent.eggReady();
        for (int i : accepted)
            assertEquals(i, ((List<?>)inbox.next().data()).get(0));
        inbox.assertNothingMore();
    }

    @Test
    void aStoppedMessengerRefusesSendsNamingItself() throws Exception
    {
        ClusterMessenger worker = messenger(worker1Process);
        worker.stop();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> worker.sendToAgent("late", 1));
        assertTrue(e.getMessage().contains("has stopped: 'late' was not sent to agent"), e.getMessage());
    }

    @Test
    void aPayloadThatIsNotJsonLikeIsRefusedNamingTheType() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        IllegalArgumentException date = assertThrows(IllegalArgumentException.class,
            () -> c[1].sendToAgent("when", Map.of("at", new Date())));
        assertTrue(date.getMessage().contains("java.util.Date at data.at"), date.getMessage());
        Map<Object, Object> intKeys = new HashMap<>();
        intKeys.put(1, "x");
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class, () -> c[1].broadcast("k", intKeys));
        assertTrue(key.getMessage().contains("map key of type java.lang.Integer"), key.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
            () -> c[1].sendToApp("big", "x".repeat(MAX_BYTES)));
        assertTrue(big.getMessage().contains("larger than jetty.egg.maxMessageBytes=" + MAX_BYTES), big.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c[1].sendToAgent("", 1));
    }

    @Test
    void aFailingListenerDisturbsNeitherTheOthersNorLaterMessages() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        c[0].on("x", m ->
        {
            throw new IllegalStateException("listener bug");
        });
        Inbox inbox = new Inbox();
        c[0].on("x", inbox);
        c[1].sendToAgent("x", 1);
        c[1].sendToAgent("x", 2);
        assertEquals(1, inbox.next().data());
        assertEquals(2, inbox.next().data());
    }

    @Test
    void onceListensOnceAndOffRemoves() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        Inbox once = new Inbox();
        Inbox on = new Inbox();
        c[0].once("y", once);
        c[0].on("y", on);
        c[1].sendToAgent("y", 1);
        c[1].sendToAgent("y", 2);
        assertEquals(1, once.next().data());
        assertEquals(1, on.next().data());
        assertEquals(2, on.next().data());
        once.assertNothingMore();
        assertTrue(c[0].off("y", on));
        c[1].sendToAgent("y", 3);
        on.assertNothingMore();
    }

    @Test
    void requestsAreAnsweredByTheHandlerAndFailClearly() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        c[0].handle("add", m ->
        {
            List<?> numbers = (List<?>)m.data();
            return ((Number)numbers.get(0)).intValue() + ((Number)numbers.get(1)).intValue();
        });
        c[2].handle("async", m -> CompletableFuture.supplyAsync(() -> "later " + m.data()));
        c[0].handle("broken", m ->
        {
            throw new IllegalStateException("handler bug");
        });
        assertEquals(5, c[1].requestAgent("add", List.of(2, 3), Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        assertEquals("later x", c[1].request(worker2Process.pid(), "async", "x", Duration.ofSeconds(10))
            .get(10, TimeUnit.SECONDS));

        ExecutionException broken = assertThrows(ExecutionException.class,
            () -> c[1].requestAgent("broken", null, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        assertTrue(broken.getCause().getMessage().contains("handler bug"), broken.getCause().getMessage());
        ExecutionException missing = assertThrows(ExecutionException.class,
            () -> c[1].requestAgent("nobody", null, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        assertTrue(missing.getCause().getMessage().contains("no handler for request 'nobody'"),
            missing.getCause().getMessage());

        c[0].handle("slow", m -> new CompletableFuture<>());
        ExecutionException timeout = assertThrows(ExecutionException.class,
            () -> c[1].requestAgent("slow", null, Duration.ofMillis(200)).get(10, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, timeout.getCause());
        assertTrue(timeout.getCause().getMessage().contains("within 200 ms"), timeout.getCause().getMessage());
    }

    /** What waiting for a future gives: its value, or what it threw. */
    private static Object waitFor(CompletableFuture<?> future)
    {
        try
        {
            return future.get(10, TimeUnit.SECONDS);
        }
        catch (Throwable x)
        {
            return x;
        }
    }

    private static void assertFailsFast(Object outcome)
    {
        IllegalStateException failure = assertInstanceOf(IllegalStateException.class, outcome,
            "waiting on the messenger's thread fails at once, it does not wait for a timeout: " + outcome);
        assertTrue(failure.getMessage().contains("cannot wait for the answer"), failure.getMessage());
    }

    @Test
    void waitingForAnAnswerOnTheMessengersThreadFailsAtOnceAndChainingWorks() throws Exception
    {
        ClusterMessenger agent = messenger(agentProcess);
        ClusterMessenger worker = messenger(worker1Process);
        agent.handle("ask", m -> "answer " + m.data());
        Duration timeout = Duration.ofSeconds(2);
        BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
        // a hook that runs before egg-ready, on the thread that would then take the answer
        worker.onEggReady(m -> outcomes.add(waitFor(m.requestAgent("ask", "hook", timeout))));
        worker.on("wait", m -> outcomes.add(waitFor(worker.requestAgent("ask", "listener", timeout))));
        worker.on("wait-chained", m -> outcomes.add(waitFor(worker.requestAgent("ask", "x", timeout)
            .thenApply(String::valueOf))));
        worker.on("chain", m -> worker.requestAgent("ask", "chained", timeout).thenAccept(outcomes::add));
        worker.handle("join", m -> worker.requestAgent("ask", "handler", timeout).join());
        worker.handle("forward", m -> worker.requestAgent("ask", "forwarded", timeout));
        for (ClusterMessenger messenger : List.of(agent, worker))
        {
            register(messenger.self());
            messenger.eggReady();
        }

        long start = System.nanoTime();
        assertFailsFast(outcomes.poll(10, TimeUnit.SECONDS));
        agent.sendTo(worker1Process.pid(), "wait", null);
        assertFailsFast(outcomes.poll(10, TimeUnit.SECONDS));
        agent.sendTo(worker1Process.pid(), "wait-chained", null);
        assertFailsFast(outcomes.poll(10, TimeUnit.SECONDS));
        ExecutionException joined = assertThrows(ExecutionException.class,
            () -> agent.request(worker1Process.pid(), "join", null, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        assertTrue(joined.getCause().getMessage().contains("cannot wait for the answer"), joined.getCause().getMessage());
        assertTrue(System.nanoTime() - start < timeout.toNanos(), "no waiting for a request's timeout");

        agent.sendTo(worker1Process.pid(), "chain", null);
        assertEquals("answer chained", outcomes.poll(10, TimeUnit.SECONDS));
        assertEquals("answer forwarded", agent.request(worker1Process.pid(), "forward", null, Duration.ofSeconds(10))
            .get(10, TimeUnit.SECONDS));
        assertEquals("answer plain", worker.requestAgent("ask", "plain", timeout).join(), "any other thread may wait");
    }

    @Test
    void eggReadyHooksRunOnceAndAtOnceWhenRegisteredLate() throws Exception
    {
        ClusterMessenger worker = messenger(worker1Process);
        BlockingQueue<String> calls = new LinkedBlockingQueue<>();
        worker.onEggReady(m -> calls.add("early"));
        assertTrue(calls.isEmpty());
        worker.eggReady();
        worker.eggReady();
        assertEquals("early", calls.poll(10, TimeUnit.SECONDS));
        worker.onEggReady(m -> calls.add("late"));
        assertEquals("late", calls.poll(10, TimeUnit.SECONDS));
        assertNull(calls.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(worker.isEggReady());
    }

    // ---- the cluster scales: a live worker count, egg-pids, a removed slot's leftovers

    /** Waits until every one of the messengers sees {@code count} workers: the master's word travels as an event. */
    private static void awaitWorkerCount(int count, ClusterMessenger... messengers) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ClusterMessenger messenger : messengers)
        {
            while (messenger.workerCount() != count)
            {
                if (System.nanoTime() > deadline)
                    throw new AssertionError(messenger.self() + " sees " + messenger.workerCount() + " workers, not " +
                        count);
                Thread.sleep(5);
            }
        }
    }

    private static void awaitWorkerPids(List<Long> pids, ClusterMessenger... messengers) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ClusterMessenger messenger : messengers)
        {
            while (!messenger.workerPids().equals(pids))
            {
                if (System.nanoTime() > deadline)
                    throw new AssertionError(messenger.self() + " sees workers " + messenger.workerPids() + ", not " +
                        pids);
                Thread.sleep(5);
            }
        }
    }

    /** One message from each sender, in any order: only each sender's own messages are ordered. */
    private static void assertReceivesFrom(Inbox inbox, Map<EggProcess, Object> expected) throws InterruptedException
    {
        Map<EggProcess, Object> received = new HashMap<>();
        for (int i = 0; i < expected.size(); i++)
        {
            Message message = inbox.next();
            received.put(message.sender(), message.data());
        }
        assertEquals(expected, received);
    }

    @Test
    void sendToAppAndBroadcastAddressTheWorkerSlotsOfTheLiveCount() throws Exception
    {
        setWorkerCount(2);
        ClusterMessenger[] c = readyCluster();
        Inbox[] in = inboxes(c, "news");
        awaitWorkerCount(2, c);

        // scale-up: slot 3 is addressed at once, and holds what it gets until its worker is ready
        setWorkerCount(3);
        awaitWorkerCount(3, c);
        c[0].sendToApp("news", "grown");
        c[1].broadcast("news", "from worker 1");
        for (int i = 1; i <= 2; i++)
            assertReceivesFrom(in[i], Map.of(agentProcess, "grown", worker1Process, "from worker 1"));
        assertReceives(in[0], "from worker 1", worker1Process);
        ClusterMessenger third = messenger(worker3Process);
        Inbox thirdIn = new Inbox();
        third.on("news", thirdIn);
        register(worker3Process);
        third.eggReady();
        assertReceivesFrom(thirdIn, Map.of(agentProcess, "grown", worker1Process, "from worker 1"));
        assertEquals(3, third.workerCount(), "a worker that joins later sees the live count, not the one it was made with");

        // scale-down: slots 2 and 3 are not addressed any more, though their workers still run
        setWorkerCount(1);
        awaitWorkerCount(1, c[0], c[1], c[2], third);
        c[0].sendToApp("news", "shrunk");
        c[2].broadcast("news", "from worker 2");
        assertReceivesFrom(in[1], Map.of(agentProcess, "shrunk", worker2Process, "from worker 2"));
        assertReceives(in[0], "from worker 2", worker2Process);
        in[2].assertNothingMore();
        thirdIn.assertNothingMore();
        assertEquals(List.of(worker1Process.pid()), c[0].workerPids(), "a worker being removed is left out at once");
        // a random worker is one of the live ones
        Inbox[] picked = inboxes(new ClusterMessenger[]{c[1], c[2], third}, "pick");
        for (int i = 0; i < 10; i++)
            c[0].sendRandom("pick", i);
        for (int i = 0; i < 10; i++)
            assertReceives(picked[0], i, agentProcess);
        picked[1].assertNothingMore();
        picked[2].assertNothingMore();
    }

    /** What the listeners of egg-pids in one process got: the pids, and the worker count when each came. */
    private static final class PidsListener implements MessageListener
    {
        final BlockingQueue<List<Object>> seen = new LinkedBlockingQueue<>();
        final ClusterMessenger messenger;

        PidsListener(ClusterMessenger messenger)
        {
            this.messenger = messenger;
            messenger.on(io.eggcluster.jetty.api.Messenger.EGG_PIDS, this);
        }

        @Override
        public void onMessage(Message message)
        {
            // recorded first: a failed assertion in a listener is only logged
            seen.add(List.of(message.data(), messenger.workerCount()));
            assertEquals(Role.MASTER, message.sender().role());
            assertTrue(Thread.currentThread().getName().startsWith("egg-messenger"), Thread.currentThread().getName());
        }

        void assertNext(List<Long> pids, int count) throws InterruptedException
        {
            List<Object> next = seen.poll(10, TimeUnit.SECONDS);
            assertEquals(List.of(pids, count), next, messenger.self() + ": egg-pids (pids, worker count)");
        }

        /** No delivery carries {@code data} within the quiet time; the cluster's own late ones may come. */
        void assertNoneCarries(Object data) throws InterruptedException
        {
            long end = System.nanoTime() + QUIET.toNanos();
            for (List<Object> next = seen.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS); next != null;
                 next = seen.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS))
            {
                List<Object> delivered = next;
                assertTrue(!data.equals(delivered.get(0)), () -> messenger.self() + ": delivered " + delivered);
            }
        }

        void assertNothingMore() throws InterruptedException
        {
            List<Object> extra = seen.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS);
            assertNull(extra, () -> messenger.self() + ": unexpected egg-pids " + extra);
        }
    }

    @Test
    void eggPidsTellsEveryProcessWhenTheReadyWorkersOrTheCountChange() throws Exception
    {
        setWorkerCount(2);
        ClusterMessenger[] c = {messenger(agentProcess), messenger(worker1Process), messenger(worker2Process)};
        for (ClusterMessenger messenger : c)
            register(messenger.self());
        List<Long> both = List.of(worker1Process.pid(), worker2Process.pid());
        awaitWorkerPids(both, c);
        PidsListener[] pids = new PidsListener[c.length];
        for (int i = 0; i < c.length; i++)
        {
            pids[i] = new PidsListener(c[i]);
            c[i].eggReady();
        }
        // not for the workers as they are at egg-ready
        for (PidsListener listener : pids)
            listener.assertNothingMore();

        unregister(worker2Process);
        for (PidsListener listener : pids)
            listener.assertNext(List.of(worker1Process.pid()), 2);
        EggProcess replacement = new EggProcess(Role.WORKER, 2, 7012);
        register(replacement);
        for (PidsListener listener : pids)
            listener.assertNext(List.of(worker1Process.pid(), 7012L), 2);

        setWorkerCount(3);
        for (PidsListener listener : pids)
            listener.assertNext(List.of(worker1Process.pid(), 7012L), 3);
        register(worker3Process);
        for (PidsListener listener : pids)
            listener.assertNext(List.of(worker1Process.pid(), 7012L, worker3Process.pid()), 3);

        // scale-down: the removed worker leaves the list when the count drops, not later when it exits
        setWorkerCount(2);
        for (PidsListener listener : pids)
            listener.assertNext(List.of(worker1Process.pid(), 7012L), 2);
        unregister(worker3Process);
        for (PidsListener listener : pids)
            listener.assertNothingMore();
    }

    @Test
    void eggPidsIsTheClustersOwnActionNoProcessSendsIt() throws Exception
    {
        ClusterMessenger[] c = readyCluster();
        String action = io.eggcluster.jetty.api.Messenger.EGG_PIDS;
        Object pids = List.of(1L);
        List<org.junit.jupiter.api.function.Executable> sends = List.of(
            () -> c[0].broadcast(action, pids), () -> c[0].sendToApp(action, pids), () -> c[1].sendToAgent(action, pids),
            () -> c[0].sendRandom(action, pids), () -> c[0].sendTo(worker1Process.pid(), action, pids),
            () -> c[1].requestAgent(action, pids, Duration.ofSeconds(1)),
            () -> c[0].request(worker1Process.pid(), action, pids, Duration.ofSeconds(1)),
            () -> c[0].handle(action, m -> null));
        for (org.junit.jupiter.api.function.Executable send : sends)
        {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, send);
            assertTrue(e.getMessage().contains("the cluster's own action"), e.getMessage());
        }
        // and what comes over the wire with that action anyway is not delivered
        PidsListener listener = new PidsListener(c[1]);
        byte[] forged = Frames.frame(99, 1, new Envelope(Envelope.Kind.MESSAGE, action, agentProcess, 0, 0, pids)
            .encode(MAX_BYTES));
        assertTrue(c[1].receive(forged, false));
        // the egg-pids of the set-up's own registrations may still come (from the master, with the real pids)
        listener.assertNoneCarries(pids);
    }

    @Test
    void retiringARemovedSlotMovesSendRandomCountsTheRestAndLeavesOtherSlotsAlone() throws Exception
    {
        setWorkerCount(2);
        ClusterMessenger agent = messenger(agentProcess);
        ClusterMessenger worker1 = messenger(worker1Process);
        // worker 2 stopped receiving: it takes nothing (its messenger is never egg-ready)
        messenger(worker2Process);
        // while only worker 2 is ready, the agent's sendRandom picks it
        register(agentProcess);
        register(worker2Process);
        agent.eggReady();
        awaitWorkerPids(List.of(worker2Process.pid()), agent);
        agent.sendToApp("all", "a");
        for (int i = 0; i < 3; i++)
            agent.sendRandom("any", i);
        agent.sendTo(worker2Process.pid(), "mine", "m");
        CompletableFuture<Object> request = agent.request(worker2Process.pid(), "ask", null, Duration.ofSeconds(60));
        assertTrue(agent.flush(10_000));

        // scale-down: the count first, then worker 2 exits, then its slot is retired
        setWorkerCount(1);
        unregister(worker2Process);
        register(worker1Process);
        awaitWorkerCount(1, agent);
        RetiredSlot retired = retireSlot(2);
        assertEquals(new RetiredSlot(2, 3, 1, 2, 1, 0), retired, retired.toString());
        assertEquals(6, retired.total());

        // the request's sender hears at once, not at its timeout
        ExecutionException failed = assertThrows(ExecutionException.class, () -> request.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, failed.getCause());
        assertTrue(failed.getCause().getMessage().contains("was removed"), failed.getCause().getMessage());

        // worker 1's own held copy is still there, and the moved sendRandom messages follow it
        Inbox all = new Inbox();
        Inbox any = new Inbox();
        worker1.on("all", all);
        worker1.on("any", any);
        worker1.eggReady();
        assertReceives(all, "a", agentProcess);
        for (int i = 0; i < 3; i++)
            assertReceives(any, i, agentProcess);

        // what comes for the retired slot later is dealt with as it arrives: a sendRandom goes to a live worker
        byte[] late = Frames.frame(4242, 1, new Envelope(Envelope.Kind.ANY_WORKER, "any", agentProcess, 0, 0, "late")
            .encode(MAX_BYTES));
        assertEquals(1, transport(agentProcess).offerAll(Transport.workerSlot(2), List.of(late)).accepted());
        assertReceives(any, "late", agentProcess);
        all.assertNothingMore();
        any.assertNothingMore();

        IllegalArgumentException live = assertThrows(IllegalArgumentException.class, () -> retireSlot(1));
        assertTrue(live.getMessage().contains("not a removed worker's slot"), live.getMessage());

        // the cluster grows again: the slot is reopened and holds for its new worker
        setWorkerCount(2);
        awaitWorkerCount(2, agent);
        agent.sendToApp("all", "b");
        assertReceives(all, "b", agentProcess);
        ClusterMessenger again = messenger(new EggProcess(Role.WORKER, 2, 7022));
        Inbox againIn = new Inbox();
        again.on("all", againIn);
        again.eggReady();
        assertReceives(againIn, "b", agentProcess);
        againIn.assertNothingMore();
    }
}
