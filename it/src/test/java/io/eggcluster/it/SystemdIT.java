package io.eggcluster.it;

import java.io.IOException;
import java.net.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * systemd's {@code Type=notify} (issue 12): the test plays systemd with a notify socket of its own (a Unix datagram
 * socket) named in the master's {@code NOTIFY_SOCKET}, and checks what arrives, in order: {@code READY=1} only once
 * the cluster serves (at egg-ready, after every worker's ready line; Gunicorn sends it before its workers exist),
 * {@code RELOADING=1} with {@code MONOTONIC_USEC} on SIGHUP and {@code READY=1} again once the reload is done,
 * {@code STOPPING=1} on SIGTERM; and that no child could notify (none has {@code NOTIFY_SOCKET} in its environment).
 */
class SystemdIT
{
    /** One datagram as systemd would get it: its text and when it arrived (wall clock, and the monotonic clock). */
    private record Note(String text, long receivedMillis, long receivedNanos)
    {
        String field(String name)
        {
            for (String line : text.split("\n"))
            {
                if (line.startsWith(name + "="))
                    return line.substring(name.length() + 1);
            }
            return null;
        }
    }

    /** The fake systemd: every datagram sent to the socket, in arrival order. */
    private static final class FakeSystemd implements AutoCloseable
    {
        private final AFUNIXDatagramSocket socket;
        private final Path dir;
        private final List<Note> notes = new ArrayList<>();

        FakeSystemd() throws IOException
        {
            // short: a socket path is at most 107 bytes
            dir = Files.createTempDirectory("egg-notify-");
            socket = AFUNIXDatagramSocket.newInstance();
            socket.bind(AFUNIXSocketAddress.of(path()));
            Thread receiver = new Thread(this::receive, "fake-systemd");
            receiver.setDaemon(true);
            receiver.start();
        }

        Path path()
        {
            return dir.resolve("notify");
        }

        private void receive()
        {
            byte[] buffer = new byte[65536];
            while (!socket.isClosed())
            {
                try
                {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    Note note = new Note(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8),
                        System.currentTimeMillis(), System.nanoTime());
                    synchronized (notes)
                    {
                        notes.add(note);
                        notes.notifyAll();
                    }
                }
                catch (IOException closed)
                {
                    return;
                }
            }
        }

        int count()
        {
            synchronized (notes)
            {
                return notes.size();
            }
        }

        List<Note> notes()
        {
            synchronized (notes)
            {
                return List.copyOf(notes);
            }
        }

        /** @return the first datagram at or after index {@code from} that starts with {@code first}, waiting for it */
        Note await(String first, int from, Duration timeout) throws InterruptedException
        {
            Predicate<Note> wanted = note -> note.text().startsWith(first + "\n") || note.text().equals(first);
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (notes)
            {
                for (int seen = from; ; )
                {
                    for (; seen < notes.size(); seen++)
                    {
                        if (wanted.test(notes.get(seen)))
                            return notes.get(seen);
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0)
                        throw new AssertionError("no " + first + " within " + timeout + "; got " + notes);
                    TimeUnit.NANOSECONDS.timedWait(notes, left);
                }
            }
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
            Files.deleteIfExists(path());
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void readyOnlyOnceServingThenReloadingAndStopping() throws Exception
    {
        try (FakeSystemd systemd = new FakeSystemd();
             Cluster cluster = Cluster.start("systemd", base -> { },
                 Map.of("NOTIFY_SOCKET", systemd.path().toString()), "jetty.egg.workers=2"))
        {
            long masterPid = cluster.master().pid();
            Note ready = systemd.await("READY=1", 0, Duration.ofSeconds(90));
            // the moment systemd hears READY=1 the cluster serves
            assertEquals(200, cluster.get("/pid").status(), "a request right after READY=1");
            Cluster.EggReady eggReady = cluster.awaitEggReady();
            // egg-ready is the moment the last worker is ready: the master logs each worker's ready line, then
            // tells systemd (and the status, and then the log's egg-ready line, all on its event loop)
            long lastWorkerReady = 0;
            for (Cluster.Line line : cluster.masterLines(Cluster.READY, 0))
            {
                if (line.match().group(1).equals("worker") &&
                    eggReady.workerPids().contains(Long.parseLong(line.match().group(3))))
                    lastWorkerReady = Math.max(lastWorkerReady, Cluster.timestampMillis(line.text()));
            }
            assertTrue(lastWorkerReady > 0 && lastWorkerReady <= ready.receivedMillis(), "READY=1 (at " +
                ready.receivedMillis() + ") came after every worker was ready (the last at " + lastWorkerReady + ")");
            assertEquals("ready: 2 workers [worker#1:" + eggReady.workerPids().get(0) + ", worker#2:" +
                eggReady.workerPids().get(1) + "], serving " + eggReady.url(), ready.field("STATUS"));
            assertEquals(String.valueOf(masterPid), ready.field("MAINPID"));
            // before it, only the start-up's status lines
            List<Note> before = systemd.notes().subList(0, systemd.notes().indexOf(ready));
            assertFalse(before.isEmpty(), "a STATUS=starting... while the workers start");
            for (Note note : before)
                assertTrue(note.text().startsWith("STATUS=starting"), "before READY=1: " + note);

            // only the master may notify: the children never get the variable; junixsocket is loaded in the master
            assertEquals(systemd.path().toString(), Cluster.environmentOf(masterPid).get("NOTIFY_SOCKET"));
            List<Long> children = new ArrayList<>(eggReady.workerPids());
            children.add(eggReady.agentPid());
            for (long child : children)
                assertFalse(Cluster.environmentOf(child).containsKey("NOTIFY_SOCKET"), "child " + child +
                    " has NOTIFY_SOCKET in its environment");
            assertTrue(Files.readString(Path.of("/proc/" + masterPid + "/maps")).contains("junixsocket"),
                "the master loaded junixsocket's native library");

            // SIGHUP: RELOADING=1 when the reload begins, READY=1 once it is done
            int mark = cluster.lineCount();
            int notesMark = systemd.count();
            long beforeHupUsec = System.nanoTime() / 1000;
            cluster.signalMaster("HUP");
            Note reloading = systemd.await("RELOADING=1", notesMark, Duration.ofSeconds(30));
            long monotonic = Long.parseLong(reloading.field("MONOTONIC_USEC"));
            assertTrue(monotonic >= beforeHupUsec && monotonic <= reloading.receivedNanos() / 1000,
                "MONOTONIC_USEC=" + monotonic + " is CLOCK_MONOTONIC between the SIGHUP (" + beforeHupUsec +
                    ") and its arrival (" + reloading.receivedNanos() / 1000 + ")");
            assertTrue(reloading.field("STATUS").startsWith("reloading"), reloading.toString());
            Note reloaded = systemd.await("READY=1", systemd.notes().indexOf(reloading), Duration.ofSeconds(120));
            Cluster.Line done = cluster.awaitMasterLineFrom(Cluster.RELOAD_DONE, Duration.ofSeconds(5), mark);
            assertTrue(Cluster.timestampMillis(done.text()) <= reloaded.receivedMillis(),
                "READY=1 came after the reload's done line: " + done.text());
            Map<Integer, Long> workers = Cluster.workers(done.match().group(2));
            assertEquals("ready: 2 workers [worker#1:" + workers.get(1) + ", worker#2:" + workers.get(2) +
                "], serving " + eggReady.url(), reloaded.field("STATUS"));
            assertEquals(null, reloaded.field("MAINPID"), "MAINPID once");
            for (Note between : systemd.notes().subList(systemd.notes().indexOf(reloading) + 1,
                systemd.notes().indexOf(reloaded)))
                assertTrue(between.text().startsWith("STATUS=reloading"), "during the reload: " + between);
            for (long child : workers.values())
                assertFalse(Cluster.environmentOf(child).containsKey("NOTIFY_SOCKET"), "new worker " + child);

            // SIGTERM: STOPPING=1 when the stop begins
            int stopMark = systemd.count();
            cluster.signalMaster("TERM");
            Note stopping = systemd.await("STOPPING=1", stopMark, Duration.ofSeconds(30));
            assertTrue(stopping.field("STATUS").startsWith("stopping"), stopping.toString());
            assertEquals(0, cluster.awaitExit(Duration.ofSeconds(60)));

            // the whole conversation: one READY=1 a state change, nothing else but status lines
            List<String> kinds = new ArrayList<>();
            for (Note note : systemd.notes())
            {
                String kind = note.text().substring(0, note.text().indexOf('='));
                if (!kind.equals("STATUS"))
                    kinds.add(kind);
            }
            System.out.println("systemd: " + systemd.notes().size() + " datagrams, " + kinds + "; READY=1 " +
                (ready.receivedMillis() - lastWorkerReady) + " ms after the last worker's ready line");
            assertEquals(List.of("READY", "RELOADING", "READY", "STOPPING"), kinds, systemd.notes().toString());
        }
    }
}
