package io.eggcluster.jetty.internal.master;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcStatTest
{
    @Test
    void readsThisJvmsMemoryAndStateAndSaysUnknownForNoProcess() throws Exception
    {
        long pid = ProcessHandle.current().pid();
        long rss = ProcStat.rssKib(pid);
        assertTrue(rss > 10_000, "a JVM's resident memory is more than 10 MiB: " + rss);
        assertTrue("RSD".indexOf(ProcStat.state(pid)) >= 0, "running: " + ProcStat.state(pid));
        assertEquals(-1, ProcStat.rssKib(Long.MAX_VALUE));
        assertEquals('?', ProcStat.state(Long.MAX_VALUE));

        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try
        {
            new ProcessBuilder("kill", "-STOP", String.valueOf(sleeper.pid())).start().waitFor();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcStat.state(sleeper.pid()) != 'T' && System.nanoTime() < deadline)
                Thread.sleep(10);
            assertEquals('T', ProcStat.state(sleeper.pid()), "stopped by SIGSTOP");
        }
        finally
        {
            sleeper.destroyForcibly().waitFor();
        }
    }
}
