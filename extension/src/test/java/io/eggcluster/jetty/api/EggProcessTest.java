package io.eggcluster.jetty.api;

import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class EggProcessTest
{
    @Test
    void twoDescriptionsOfOneProcessAreEqualAndHashAlike()
    {
        EggProcess one = new EggProcess(Role.WORKER, 2, 4242);
        EggProcess same = new EggProcess(Role.WORKER, 2, 4242);
        assertEquals(one, same);
        assertEquals(one.hashCode(), same.hashCode());
        assertEquals(Set.of(one), Set.of(same), "usable as a key");
    }

    @Test
    void anotherPidRoleOrSlotIsAnotherProcess()
    {
        EggProcess worker = new EggProcess(Role.WORKER, 2, 4242);
        assertNotEquals(worker, new EggProcess(Role.WORKER, 2, 4243), "a replacement in the same slot");
        assertNotEquals(worker, new EggProcess(Role.WORKER, 1, 4242));
        assertNotEquals(worker, new EggProcess(Role.AGENT, 0, 4242));
        assertNotEquals(worker, null);
        assertNotEquals(worker, "worker#2:4242");
    }
}
