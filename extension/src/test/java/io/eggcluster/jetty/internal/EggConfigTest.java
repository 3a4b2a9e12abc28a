package io.eggcluster.jetty.internal;

import io.eggcluster.jetty.api.Role;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EggConfigTest
{
    @Test
    void defaultsAreValidAndAutoIsOneWorkerPerProcessor()
    {
        EggSettings settings = new EggConfig().validate();
        assertEquals(Runtime.getRuntime().availableProcessors(), settings.workers());
        assertEquals(60_000, settings.agentStartTimeoutMs());
        assertEquals(60_000, settings.workerStartTimeoutMs());
        assertEquals(5_000, settings.stopTimeoutMs());
        assertEquals(60, settings.restartLimit());
        assertEquals(60_000, settings.restartWindowMs());
        assertEquals(1_048_576, settings.maxMessageBytes());
        assertEquals(10_000, settings.queueCapacity());
        assertEquals("127.0.0.1", settings.hazelcastHost());
        assertEquals(0, settings.hazelcastPort());
        assertEquals("webapps", settings.webappsDir());
        assertTrue(settings.standby() && settings.classDataSharing());
        assertEquals(java.util.List.of(), settings.jvmArgs());
        assertEquals(java.util.List.of(), settings.agentJvmArgs());
        assertEquals(java.util.List.of(), settings.workerJvmArgs());
        assertEquals(EggSettings.Health.DEFAULT, settings.health());
    }

    @Test
    void healthSettingsAreCheckedTogetherAndNamed()
    {
        EggConfig config = new EggConfig();
        config.setHeartbeatInterval("1000");
        config.setHeartbeatTimeout("1500");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(e.getMessage().contains("jetty.egg.heartbeatTimeout=1500 is too small for " +
            "jetty.egg.heartbeatInterval=1000"), e.getMessage());

        config.setHeartbeatTimeout("3000");
        config.setMaxRequestsJitter("50");
        e = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(e.getMessage().contains("jetty.egg.maxRequestsJitter=50 has no effect with jetty.egg.maxRequests=0"),
            e.getMessage());

        config.setMaxRequests("many");
        config.setMaxWorkerRss("-1");
        e = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(e.getMessage().contains("jetty.egg.maxRequests='many' is not a number"), e.getMessage());
        assertTrue(e.getMessage().contains("jetty.egg.maxWorkerRss=-1 is too small"), e.getMessage());

        config.setMaxRequests("1000");
        config.setMaxWorkerRss("512");
        config.setMinWorkerLifetime("0");
        assertEquals(new EggSettings.Health(1000, 3000, 1000, 50, 512, 0), config.validate().health());
    }

    @Test
    void aPropertyThatIsNotSetKeepsItsDefault()
    {
        EggConfig config = new EggConfig();
        config.setWorkers("3");
        config.setWorkers(null);
        config.setStopTimeout(null);
        config.setQueueBytes(null);
        EggSettings settings = config.validate();
        assertEquals(3, settings.workers());
        assertEquals(5_000, settings.stopTimeoutMs());
        assertEquals(null, settings.queueBytesSetting(), "auto");
    }

    @Test
    void theRoleAndSlotAreTheMastersAssignmentNotASetting()
    {
        java.util.List<String> errors = new java.util.ArrayList<>();
        assertEquals(Control.Assignment.MASTER, Control.Assignment.parse(null, null, errors));
        assertEquals(new Control.Assignment(Role.WORKER, 2), Control.Assignment.parse("worker", "2", errors));
        assertEquals(new Control.Assignment(Role.AGENT, 0), Control.Assignment.parse("agent", "0", errors));
        assertEquals(java.util.List.of(), errors);
    }

    @Test
    void everyBadValueIsReportedByNameAtOnce()
    {
        EggConfig config = new EggConfig();
        config.setWorkers("two");
        config.setRestartLimit("0");
        config.setHazelcastPort("70000");
        java.util.List<String> errors = new java.util.ArrayList<>();
        Control.Assignment.parse("boss", "0", errors);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.validate(errors));
        assertTrue(e.getMessage().contains("jetty.egg.workers='two' is not a number"), e.getMessage());
        assertTrue(e.getMessage().contains("jetty.egg.role='boss' is invalid"), e.getMessage());
        assertTrue(e.getMessage().contains("jetty.egg.restartLimit=0 is too small"), e.getMessage());
        assertTrue(e.getMessage().contains("jetty.egg.hazelcast.port=70000 is not a port"), e.getMessage());
    }

    @Test
    void listsAreSplitAndTrimmed()
    {
        EggConfig config = new EggConfig();
        config.setJvmArgs("  -Xmx256m   -Dx=1 ");
        config.setHazelcastMembers(" ,, ");
        assertEquals(java.util.List.of("-Xmx256m", "-Dx=1"), config.validate().jvmArgs());
        config.setAgentJvmArgs(" -XX:TieredStopAtLevel=1 ");
        config.setWorkerJvmArgs(" -Xss512k  -XX:+UseSerialGC");
        assertEquals(java.util.List.of("-XX:TieredStopAtLevel=1"), config.validate().agentJvmArgs());
        assertEquals(java.util.List.of("-Xss512k", "-XX:+UseSerialGC"), config.validate().workerJvmArgs());
    }

    @Test
    void hazelcastMembersAreRefusedUntilACrossHostClusterIsBuilt()
    {
        EggConfig config = new EggConfig();
        config.setHazelcastMembers("host-a:5701, host-b:5701");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(e.getMessage().contains("jetty.egg.hazelcast.members=host-a:5701, host-b:5701 is not supported yet"),
            e.getMessage());
    }

    @Test
    void numbersHaveUpperBoundsAndNoOverflow()
    {
        EggConfig config = new EggConfig();
        config.setWorkers("4294967297");
        config.setMaxMessageBytes("2147483648");
        config.setStopTimeout("99999999999");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(e.getMessage().contains("jetty.egg.workers=4294967297 is too large: expected a whole number 1..256"),
            e.getMessage());
        assertTrue(e.getMessage().contains("jetty.egg.maxMessageBytes=2147483648 is too large: expected a whole number " +
            "64..16777216"), e.getMessage());
        assertTrue(e.getMessage().contains("jetty.egg.stopTimeout=99999999999 is too large"), e.getMessage());
    }

    @Test
    void queueBytesAutoIs64MiBOrAQuarterOfTheHeapSharedByTheSlotsAndNeverLessThanOneMessage()
    {
        EggConfig config = new EggConfig();
        long sixGiB = 6L << 30;
        config.setWorkers("2");
        assertEquals(64L << 20, config.validate().queueBytes(sixGiB));
        config.setWorkers("256");
        long each = config.validate().queueBytes(sixGiB);
        assertEquals(sixGiB / 4 / 257, each);
        assertTrue(257 * each <= sixGiB / 4);
        config.setWorkers("1");
        assertEquals(1_048_576 + 16, config.validate().queueBytes(1 << 20), "a tiny heap: still room for one message");
        config.setQueueBytes("16777216");
        assertEquals(16 << 20, config.validate().queueBytes(sixGiB));
    }

    @Test
    void queueBytesBelowOneMessageOrNotANumberIsRefusedByName()
    {
        EggConfig config = new EggConfig();
        config.setQueueBytes("1000");
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(small.getMessage().contains("jetty.egg.queueBytes=1000 is too small: expected auto or a whole " +
            "number of bytes >= 1048592 (one message of jetty.egg.maxMessageBytes=1048576 with its 16-byte header)"),
            small.getMessage());
        config.setQueueBytes("lots");
        IllegalArgumentException words = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(words.getMessage().contains("jetty.egg.queueBytes='lots' is not a number"), words.getMessage());
    }
}
