package io.eggcluster.jetty.internal.admin;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link WatchedProcess}: a zombie is gone (a daemon's master, once exited, may stay one under an init that never reaps). */
class WatchedProcessTest
{
    @Test
    void aZombieIsGoneThoughProcessHandleCallsItAlive() throws Exception
    {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux /proc");
        // the shell's background sleep exits at once; its parent then execs a sleep that never reaps it
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0 & echo $!; exec sleep 30").start();
        try
        {
            long zombie = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.UTF_8)).readLine().trim());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!"Z".equals(WatchedProcess.field(Files.readString(Path.of("/proc/" + zombie + "/stat")), 3)))
            {
                assertTrue(System.nanoTime() < deadline, "pid " + zombie + " became a zombie");
                Thread.sleep(10);
            }
            assertTrue(ProcessHandle.of(zombie).map(ProcessHandle::isAlive).orElse(false), "ProcessHandle's view");
            assertFalse(WatchedProcess.of(zombie).alive());
            assertFalse(WatchedProcess.of(zombie).terminate(), "nothing signalled");

            WatchedProcess running = WatchedProcess.of(parent.pid());
            assertTrue(running.alive());
            assertTrue(running.terminate());
            assertTrue(parent.waitFor(10, TimeUnit.SECONDS));
            assertFalse(running.alive());
        }
        finally
        {
            parent.destroyForcibly();
        }
    }

    @Test
    void statFieldsAfterACommandNameWithSpacesAndParentheses()
    {
        String stat = "4242 (egg (x) y) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0";
        assertEquals("S", WatchedProcess.field(stat, 3));
        assertEquals("1", WatchedProcess.field(stat, 4));
        assertEquals("987654", WatchedProcess.field(stat, 22));
        assertNull(WatchedProcess.field(stat, 60));
        assertNull(WatchedProcess.field("garbage", 3));
    }

    @Test
    void aPidNobodyHasIsNotAlive()
    {
        assertFalse(WatchedProcess.of(Integer.MAX_VALUE).alive());
        assertFalse(WatchedProcess.of(Integer.MAX_VALUE).terminate());
    }
}
