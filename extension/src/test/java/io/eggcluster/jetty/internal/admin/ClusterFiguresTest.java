package io.eggcluster.jetty.internal.admin;

import java.util.List;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import org.eclipse.jetty.jmx.MBeanContainer;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.junit.jupiter.api.Test;

import static io.eggcluster.jetty.internal.admin.SystemdNotifierTest.replacement;
import static io.eggcluster.jetty.internal.admin.SystemdNotifierTest.status;
import static io.eggcluster.jetty.internal.admin.SystemdNotifierTest.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MBeans follow the board: a bean a process, added, updated and removed (scale-down, a replacement taking its
 * slot), registered under fixed ObjectNames by Jetty's MBeanContainer as in a server with the jmx module.
 */
class ClusterFiguresTest
{
    private final MBeanServer mbeans = MBeanServerFactory.newMBeanServer();
    private final ContainerLifeCycle server = new ContainerLifeCycle();
    private final StatusBoard board = new StatusBoard();

    @Test
    void beansFollowTheBoard() throws Exception
    {
        // as the jmx module does (MBeanContainer on the Server), and the master does (the board a managed bean in
        // the tree, as a bean a component adds before it starts becomes)
        server.addBean(new MBeanContainer(mbeans));
        server.addBean(board, true);
        ClusterFigures figures = ClusterFigures.attachTo(board);

        board.publish(status("ready", null, 5000, worker(1, 11, "ready"), worker(2, 12, "ready"),
            worker(3, 13, "ready")));
        assertEquals(Set.of("master", "agent-0", "worker-1", "worker-2", "worker-3"), figures.processes().keySet());
        assertEquals(Set.of(process("master"), process("agent-0"), process("worker-1"), process("worker-2"),
            process("worker-3")), mbeans.queryNames(new ObjectName("io.eggcluster.jetty:type=process,*"), null));
        assertEquals(12L, mbeans.getAttribute(process("worker-2"), "pid"));
        assertEquals(100_000_000L, mbeans.getAttribute(process("worker-2"), "rssBytes"));
        assertEquals("ready", mbeans.getAttribute(process("worker-2"), "state"));
        assertEquals(2, mbeans.getAttribute(process("worker-2"), "workerId"));
        assertEquals(9L, mbeans.getAttribute(process("agent-0"), "pid"));
        assertNull(mbeans.getAttribute(process("master"), "requests"), "a figure the master has not: null");
        ObjectName cluster = new ObjectName("io.eggcluster.jetty:type=cluster");
        assertEquals("ready", mbeans.getAttribute(cluster, "state"));
        assertEquals(3, mbeans.getAttribute(cluster, "workers"));
        assertEquals(1234L, mbeans.getAttribute(cluster, "eggReadyMs"));
        assertEquals(5000L, mbeans.getAttribute(cluster, "uptimeMs"));

        // a reload: worker#1's replacement starts beside it, then takes the slot; the same bean, new figures
        board.publish(status("reloading", "rolling reload", 6000, worker(1, 11, "ready"),
            replacement(1, 21, "starting"), worker(2, 12, "ready"), worker(3, 13, "ready")));
        assertEquals(21L, mbeans.getAttribute(process("worker-1-replacement"), "pid"));
        assertEquals(true, mbeans.getAttribute(process("worker-1-replacement"), "replacement"));
        assertEquals("reloading", mbeans.getAttribute(cluster, "state"));
        assertEquals("rolling reload", mbeans.getAttribute(cluster, "change"));
        board.publish(status("reloading", "rolling reload", 7000, worker(1, 21, "ready"), worker(2, 12, "ready"),
            worker(3, 13, "ready")));
        assertFalse(mbeans.isRegistered(process("worker-1-replacement")));
        assertEquals(21L, mbeans.getAttribute(process("worker-1"), "pid"));

        // scale-down: worker#3 goes, its bean with it
        board.publish(status("ready", null, 8000, worker(1, 21, "ready"), worker(2, 12, "ready")));
        assertFalse(mbeans.isRegistered(process("worker-3")));
        assertEquals(Set.of("master", "agent-0", "worker-1", "worker-2"), figures.processes().keySet());
        assertEquals(2, mbeans.getAttribute(cluster, "workers"));

        // scale-up again: the same name as before, not worker-3 with a counter
        board.publish(status("ready", null, 9000, worker(1, 21, "ready"), worker(2, 12, "ready"),
            worker(3, 33, "ready")));
        assertEquals(33L, mbeans.getAttribute(process("worker-3"), "pid"));
    }

    @Test
    void attachedLateTakesTheCurrentStatus()
    {
        board.publish(status("ready", null, 5000, worker(1, 11, "ready")));
        ClusterFigures figures = ClusterFigures.attachTo(board);
        assertEquals(List.of("master", "agent-0", "worker-1"), List.copyOf(figures.processes().keySet()));
        assertTrue(board.getBeans(ClusterFigures.class).contains(figures));
        assertEquals(3, board.getBeans(ProcessFigures.class).size());
        assertEquals(11L, figures.processes().get("worker-1").getPid());
    }

    @Test
    void keys()
    {
        assertEquals("worker-12", ClusterFigures.keyOf(worker(12, 1, "ready")));
        assertEquals("worker-3-replacement", ClusterFigures.keyOf(replacement(3, 1, "starting")));
        assertEquals("standby-1234", ClusterFigures.keyOf(new ProcessStatus("worker", 0, "standby:1234", 1234L,
            "ready", false, null, 0, null, null, null, null, null, null, null, null, null, null, null)));
    }

    private static ObjectName process(String name) throws Exception
    {
        return new ObjectName("io.eggcluster.jetty:type=process,name=" + name);
    }
}
