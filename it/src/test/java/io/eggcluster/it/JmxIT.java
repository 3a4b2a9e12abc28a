package io.eggcluster.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.VirtualMachine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The status's figures as MBeans (issue 12), read as JConsole or VisualVM would: attached to the master's pid with the
 * JDK's Attach API, its local management agent started, a JMX connection; Jetty's {@code jmx} module enabled for the
 * run ({@code --module=jmx}: opt-in, as in Jetty; every child would carry an MBean tree too, ~7 MB of the agent's
 * RSS). One bean a process, under a fixed name, current, and gone when its worker is removed.
 */
class JmxIT
{
    private static final String DOMAIN = "io.eggcluster.jetty";

    @Test
    void workerBeansCarryTheirProcessesFigures() throws Exception
    {
        try (Cluster cluster = Cluster.start("jmx", "--module=jmx", "jetty.egg.workers=2"))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            long masterPid = cluster.master().pid();
            VirtualMachine vm = VirtualMachine.attach(String.valueOf(masterPid));
            String address;
            try
            {
                address = vm.startLocalManagementAgent();
            }
            finally
            {
                vm.detach();
            }
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address)))
            {
                MBeanServerConnection mbeans = connector.getMBeanServerConnection();
                ObjectName cluster1 = new ObjectName(DOMAIN + ":type=cluster");
                assertEquals("ready", mbeans.getAttribute(cluster1, "state"));
                assertEquals(2, mbeans.getAttribute(cluster1, "workers"));
                long eggReadyMs = (Long)mbeans.getAttribute(cluster1, "eggReadyMs");
                // the moment of egg-ready; the line, written a moment later, counts up to when it is written
                assertTrue(eggReadyMs > 0 && eggReadyMs <= ready.millis(), "eggReadyMs " + eggReadyMs + " vs the " +
                    "line's " + ready.millis());

                for (int id = 1; id <= 2; id++)
                {
                    ObjectName worker = new ObjectName(DOMAIN + ":type=process,name=worker-" + id);
                    long pid = ready.workerPids().get(id - 1);
                    assertEquals(pid, mbeans.getAttribute(worker, "pid"), "worker-" + id + "'s pid");
                    assertEquals("ready", mbeans.getAttribute(worker, "state"));
                    long rss = (Long)mbeans.getAttribute(worker, "rssBytes");
                    long procRss = vmRssBytes(pid);
                    System.out.println("jmx: worker-" + id + " pid " + pid + " rssBytes " + rss + ", /proc now " +
                        procRss);
                    assertTrue(rss > 16L << 20 && rss > procRss / 2 && rss < procRss * 2,
                        "worker-" + id + "'s rssBytes " + rss + " is its resident memory (/proc says " + procRss + ")");
                }
                ObjectName agent = new ObjectName(DOMAIN + ":type=process,name=agent-0");
                assertEquals(ready.agentPid(), mbeans.getAttribute(agent, "pid"));
                assertEquals(masterPid, mbeans.getAttribute(new ObjectName(DOMAIN + ":type=process,name=master"),
                    "pid"));

                // SIGTTOU: worker#2 is removed, its bean with it
                int mark = cluster.lineCount();
                cluster.signalMaster("TTOU");
                cluster.awaitMasterLineFrom(Cluster.REMOVED, Duration.ofSeconds(60), mark);
                ObjectName removed = new ObjectName(DOMAIN + ":type=process,name=worker-2");
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (mbeans.isRegistered(removed) && System.nanoTime() < deadline)
                    Thread.sleep(50);
                assertFalse(mbeans.isRegistered(removed), "worker-2's bean is gone with it");
                assertEquals(1, mbeans.getAttribute(cluster1, "workers"));
                assertTrue(mbeans.isRegistered(new ObjectName(DOMAIN + ":type=process,name=worker-1")));
            }
            // not run by systemd: the master never loaded junixsocket
            if (System.getenv("NOTIFY_SOCKET") == null)
                assertFalse(Files.readString(Path.of("/proc/" + masterPid + "/maps")).contains("junixsocket"),
                    "without NOTIFY_SOCKET the master loads no junixsocket");
        }
    }

    private static long vmRssBytes(long pid) throws Exception
    {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("VmRSS:"))
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
        throw new AssertionError("no VmRSS for " + pid);
    }
}
