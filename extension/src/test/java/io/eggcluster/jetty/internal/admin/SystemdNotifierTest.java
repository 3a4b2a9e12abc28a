package io.eggcluster.jetty.internal.admin;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The datagrams systemd gets, in order, from statuses published by hand on a board; a fake notify socket. */
class SystemdNotifierTest
{
    private Path dir;
    private AFUNIXDatagramSocket systemd;
    private final StatusBoard board = new StatusBoard();

    @BeforeEach
    void bind() throws IOException
    {
        dir = Files.createTempDirectory("notify-test");
        systemd = AFUNIXDatagramSocket.newInstance();
        systemd.bind(AFUNIXSocketAddress.of(dir.resolve("notify")));
        systemd.setSoTimeout(2000);
    }

    @AfterEach
    void close() throws IOException
    {
        systemd.close();
        Files.deleteIfExists(dir.resolve("notify"));
        Files.deleteIfExists(dir);
    }

    @Test
    void tellsEachTransitionOnceInOrder() throws IOException
    {
        board.addListener(new SystemdNotifier(dir.resolve("notify").toString()));
        long pid = ProcessHandle.current().pid();

        board.publish(status("starting", null, 100, worker(1, 11, "starting"), worker(2, 12, "starting")));
        assertEquals("STATUS=starting: 2 workers [worker#1:11 starting, worker#2:12 starting], serving " +
            "http://127.0.0.1:8080/", receive());
        // the figures of the once-a-second publication changed, the line did not: nothing is sent
        board.publish(status("starting", null, 1100, worker(1, 11, "starting"), worker(2, 12, "starting")));

        board.publish(status("ready", null, 2000, worker(1, 11, "ready"), worker(2, 12, "ready")));
        assertEquals(List.of("READY=1", "STATUS=ready: 2 workers [worker#1:11, worker#2:12], serving " +
            "http://127.0.0.1:8080/", "MAINPID=" + pid), lines(receive()));
        board.publish(status("ready", null, 3000, worker(1, 11, "ready"), worker(2, 12, "ready")));

        long before = System.nanoTime() / 1000;
        board.publish(status("reloading", "rolling reload", 4000, worker(1, 11, "ready"),
            replacement(1, 21, "starting"), worker(2, 12, "ready")));
        long after = System.nanoTime() / 1000;
        List<String> reloading = lines(receive());
        assertEquals("RELOADING=1", reloading.get(0));
        long monotonic = Long.parseLong(reloading.get(1).substring("MONOTONIC_USEC=".length()));
        assertTrue(reloading.get(1).startsWith("MONOTONIC_USEC=") && monotonic >= before && monotonic <= after,
            reloading.get(1) + " not within " + before + ".." + after);
        assertEquals("STATUS=reloading (rolling reload): 2 workers [worker#1:11, worker#1:21 replacement starting, " +
            "worker#2:12], serving http://127.0.0.1:8080/", reloading.get(2));
        assertEquals(3, reloading.size());

        // the same state with another line: STATUS= alone
        board.publish(status("reloading", "rolling reload", 5000, worker(1, 21, "ready"), worker(2, 12, "draining")));
        assertEquals("STATUS=reloading (rolling reload): 2 workers [worker#1:21, worker#2:12 draining], serving " +
            "http://127.0.0.1:8080/", receive());

        board.publish(status("ready", null, 6000, worker(1, 21, "ready"), worker(2, 22, "ready")));
        assertEquals(List.of("READY=1", "STATUS=ready: 2 workers [worker#1:21, worker#2:22], serving " +
            "http://127.0.0.1:8080/"), lines(receive()), "MAINPID only with the first READY");

        board.publish(status("stopping", null, 7000, worker(1, 21, "stopping"), worker(2, 22, "stopping")));
        assertEquals(List.of("STOPPING=1", "STATUS=stopping: 2 workers [worker#1:21 stopping, worker#2:22 " +
            "stopping], serving http://127.0.0.1:8080/"), lines(receive()));

        // nothing more was sent: the repeats above sent nothing
        assertThrows(SocketTimeoutException.class, this::receiveQuickly);
    }

    @Test
    void abstractNamespace() throws IOException
    {
        String name = "egg-notify-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (AFUNIXDatagramSocket abstractSocket = AFUNIXDatagramSocket.newInstance())
        {
            abstractSocket.bind(AFUNIXSocketAddress.inAbstractNamespace(name));
            abstractSocket.setSoTimeout(2000);
            board.addListener(new SystemdNotifier("@" + name));
            board.publish(status("ready", null, 1, worker(1, 11, "ready")));
            DatagramPacket packet = new DatagramPacket(new byte[4096], 4096);
            abstractSocket.receive(packet);
            assertTrue(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8)
                .startsWith("READY=1\nSTATUS=ready: 1 worker [worker#1:11]"));
        }
    }

    @Test
    void unsetOrEmptyDoesNothing()
    {
        assertNull(SystemdNotifier.fromEnvironment(Map.of()));
        assertNull(SystemdNotifier.fromEnvironment(Map.of(SystemdNotifier.NOTIFY_SOCKET, "")));
    }

    @Test
    void unusableSocketNeverStopsThePublisher()
    {
        List<ClusterStatus> seen = new ArrayList<>();
        board.addListener(new SystemdNotifier(dir.resolve("missing").toString()));
        board.addListener(new SystemdNotifier("relative/notify"));
        board.addListener(new SystemdNotifier(dir.toString()));
        board.addListener(seen::add);
        board.publish(status("ready", null, 1, worker(1, 11, "ready")));
        board.publish(status("stopping", null, 2, worker(1, 11, "stopping")));
        assertEquals(2, seen.size(), "the listeners after a failed notifier still ran");
    }

    @Test
    void sendFailureAfterStartIsSurvived() throws IOException
    {
        SystemdNotifier notifier = new SystemdNotifier(dir.resolve("notify").toString());
        board.addListener(notifier);
        board.publish(status("starting", null, 1, worker(1, 11, "starting")));
        receive();
        // systemd went away: its socket is gone
        systemd.close();
        Files.delete(dir.resolve("notify"));
        board.publish(status("ready", null, 2, worker(1, 11, "ready")));
        board.publish(status("stopping", null, 3, worker(1, 11, "stopping")));
    }

    @Test
    void statusLineIsOneBoundedLine()
    {
        String line = SystemdNotifier.statusLine(status("reloading", "replacing worker#1\nbecause\tof x", 1,
            worker(1, 11, "ready")));
        assertEquals("reloading (replacing worker#1 because of x): 1 worker [worker#1:11], serving " +
            "http://127.0.0.1:8080/", line);
        ProcessStatus[] many = new ProcessStatus[256];
        for (int i = 0; i < many.length; i++)
            many[i] = worker(i + 1, 100000 + i, "ready");
        String long256 = SystemdNotifier.statusLine(status("ready", null, 1, many));
        assertEquals(SystemdNotifier.MAX_STATUS_CHARS, long256.length());
        assertTrue(long256.endsWith("..."));
        ProcessStatus restarting = new ProcessStatus("worker", 1, "worker#1", null, "restarting", false, null, 3,
            "exit code 1", null, null, null, null, null, null, null, null, null, null);
        assertEquals("ready: 1 worker [worker#1 restarting], serving http://127.0.0.1:8080/",
            SystemdNotifier.statusLine(status("ready", null, 1, restarting)));
    }

    private String receive() throws IOException
    {
        DatagramPacket packet = new DatagramPacket(new byte[65536], 65536);
        systemd.receive(packet);
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    private void receiveQuickly() throws IOException
    {
        systemd.setSoTimeout(300);
        receive();
    }

    private static List<String> lines(String datagram)
    {
        return List.of(datagram.split("\n"));
    }

    static ProcessStatus worker(int id, long pid, String state)
    {
        return new ProcessStatus("worker", id, "worker#" + id, pid, state, false, 1000L, 0, null, 100_000_000L,
            1.5, 2.0, 50_000_000L, 10L, 0L, 1L, 2L, 0L, 100L);
    }

    static ProcessStatus replacement(int id, long pid, String state)
    {
        return new ProcessStatus("worker", id, "worker#" + id, pid, state, true, 10L, 0, null, null, null, null,
            null, null, null, null, null, null, null);
    }

    static ClusterStatus status(String state, String change, long uptimeMs, ProcessStatus... workers)
    {
        List<ProcessStatus> processes = new ArrayList<>();
        processes.add(new ProcessStatus("master", 0, "master", 10L, state, false, uptimeMs, 0, null, 200_000_000L,
            3.0, 1.0, 40_000_000L, null, null, null, null, null, null));
        processes.add(new ProcessStatus("agent", 0, "agent#0", 9L, "ready", false, uptimeMs, 0, null, 150_000_000L,
            2.0, 0.5, 30_000_000L, null, null, 3L, 4L, 0L, 200L));
        processes.addAll(List.of(workers));
        long worker = processes.stream().filter(p -> p.role().equals("worker") && !p.replacement()).count();
        return new ClusterStatus(state, change, 10, uptimeMs, state.equals("starting") ? null : 1234L, (int)worker,
            "http://127.0.0.1:8080/", "/srv/base", Map.of("java", "17"), processes, 1_700_000_000_000L + uptimeMs);
    }
}
