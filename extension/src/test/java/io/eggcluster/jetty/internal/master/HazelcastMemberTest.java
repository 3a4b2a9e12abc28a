package io.eggcluster.jetty.internal.master;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HazelcastMemberTest
{
    @Test
    void missingOptionsAreThoseThisJvmWasNotGiven()
    {
        List<String> given = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> expected = new ArrayList<>();
        for (List<String> option : ChildCommand.HAZELCAST_OPTIONS)
        {
            if (!given.contains(option.get(0) + "=" + option.get(1)) && !given.contains(option.get(1)))
                expected.add(option.get(0) + " " + option.get(1));
        }
        assertEquals(expected, HazelcastMember.missingOptions(com.hazelcast.config.Config.class.getModule()));
    }
}
