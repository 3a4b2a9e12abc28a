package io.eggcluster.jetty.internal.messenger;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The messenger as a Jetty component: its threads belong to its beans, come with start (the inbox's with egg-ready)
 * and go with stop; its dump shows each bean with its counts, as {@code Server.dump()} prints them.
 */
class ClusterMessengerLifeCycleTest
{
    private final EggProcess worker = new EggProcess(Role.WORKER, 1, 7001);
    private final LocalTransport transport = new LocalTransport(100);
    private final ClusterMessenger messenger = new ClusterMessenger(worker, 1, transport, 4096);

    @AfterEach
    void stop()
    {
        LifeCycle.stop(messenger);
    }

    /** The live threads of this JVM whose name starts with {@code egg-}, other than those in {@code before}. */
    private static Set<Thread> newEggThreads(Set<Thread> before)
    {
        Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeAll(before);
        threads.removeIf(t -> !t.getName().startsWith("egg-") || !t.isAlive());
        return threads;
    }

    /** The threads' names, without the number a pool adds ({@code egg-messenger-timeouts-1}). */
    private static Set<String> names(Set<Thread> threads)
    {
        Set<String> names = new TreeSet<>();
        threads.forEach(t -> names.add(t.getName().replaceFirst("-[0-9]+$", "")));
        return names;
    }

    @Test
    void itsThreadsComeWithStartAndEggReadyAndGoWithStop() throws Exception
    {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        ClusterMessenger unstarted = new ClusterMessenger(new EggProcess(Role.WORKER, 2, 7002), 2, transport, 4096);
        unstarted.setDirectHost("127.0.0.1");
        assertTrue(newEggThreads(before).isEmpty(), "a constructor starts no thread: " + names(newEggThreads(before)));

        messenger.start();
        // the executors start their thread with their first task
        Set<String> started = names(newEggThreads(before));
        assertTrue(started.contains("egg-messenger-sender"), started.toString());
        assertTrue(Set.of("egg-messenger-sender", "egg-messenger-self", "egg-messenger-timeouts").containsAll(started),
            "started, before egg-ready: " + started);

        transport.register("worker-1", worker.pid());
        BlockingListener received = new BlockingListener();
        messenger.on("self", received);
        messenger.eggReady();
        // a message to itself goes directly once its socket is open: the socket's threads and the sender's
        // connection thread come with it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!names(newEggThreads(before)).contains("egg-messenger-direct-accept"))
        {
            assertTrue(System.nanoTime() < deadline, "no direct socket within 10 s: " + names(newEggThreads(before)));
            Thread.sleep(5);
        }
        messenger.sendToApp("self", 1);
        assertEquals(1, received.next());
        messenger.handle("ask", m -> "yes");
        assertEquals("yes", messenger.request(worker.pid(), "ask", null, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS));
        assertTrue(names(newEggThreads(before)).containsAll(List.of("egg-messenger", "egg-messenger-direct-accept",
            "egg-messenger-sender", "egg-messenger-self", "egg-messenger-timeouts")), names(newEggThreads(before)).toString());

        Set<Thread> running = newEggThreads(before);
        messenger.stop();
        for (Thread thread : running)
            thread.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(newEggThreads(before).isEmpty(), "still alive after stop: " + names(newEggThreads(before)));
    }

    @Test
    void theDumpShowsEachBeanWithItsCounts() throws Exception
    {
        messenger.start();
        transport.register("worker-1", worker.pid());
        BlockingListener received = new BlockingListener();
        messenger.on("counted", received);
        messenger.eggReady();
        for (int i = 0; i < 3; i++)
            messenger.sendToApp("counted", i);
        for (int i = 0; i < 3; i++)
            assertEquals(i, received.next());
        assertTrue(messenger.flush(10_000));
        String dump = messenger.dump();
        assertTrue(dump.contains("slot worker-1, egg-ready true, requests pending 0, listened [counted]"), dump);
        assertTrue(dump.contains("+= Sender[worker#1:7001]"), dump);
        assertTrue(dump.contains("sent 3, handed over 3, outbox 0 (0 bytes)"), dump);
        assertTrue(dump.contains("+= Inbox[worker#1:7001]"), dump);
        assertTrue(dump.contains("DirectReceiver[worker#1:7001]"), dump);
        assertTrue(dump.contains("ScheduledExecutorScheduler"), dump);
        Inbox inbox = messenger.getBean(Inbox.class);
        assertEquals(3, inbox.getDirectDispatched() + inbox.getQueueDispatched(), "each message dispatched once");
        assertTrue(dump.contains("dispatched " + inbox.getDirectDispatched() + " direct + " + inbox.getQueueDispatched() +
            " from the queue"), dump);
    }

    @Test
    void receivingThatStoppedBeforeEggReadyNeverStarts() throws Exception
    {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        messenger.start();
        messenger.stopReceiving();
        messenger.eggReady();
        assertFalse(messenger.isEggReady());
        assertFalse(names(newEggThreads(before)).contains("egg-messenger"), names(newEggThreads(before)).toString());
        assertFalse(messenger.getBean(Inbox.class).isRunning());
    }

    /** Collects the Integer data of what it receives. */
    private static final class BlockingListener implements io.eggcluster.jetty.api.MessageListener
    {
        private final java.util.concurrent.BlockingQueue<Object> data = new java.util.concurrent.LinkedBlockingQueue<>();

        @Override
        public void onMessage(io.eggcluster.jetty.api.Message message)
        {
            data.add(message.data());
        }

        Object next() throws InterruptedException
        {
            Object next = data.poll(10, TimeUnit.SECONDS);
            if (next == null)
                throw new AssertionError("no message within 10 s");
            return next;
        }
    }
}
