package io.eggcluster.jetty.internal.messenger;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterTypesTest
{
    @Test
    void aTaskMayNameOnlyTheClustersReceivers()
    {
        assertTrue(ClusterTypes.isSlot(Transport.agentSlot()));
        assertTrue(ClusterTypes.isSlot(Transport.workerSlot(1)));
        assertTrue(ClusterTypes.isSlot(Transport.workerSlot(256)));
        for (String other : new String[] {null, "", "agent2", "worker-", "worker-0", "worker-01", "worker-1000",
            "egg-endpoints", "x".repeat(64)})
            assertFalse(ClusterTypes.isSlot(other), String.valueOf(other));
    }
}
