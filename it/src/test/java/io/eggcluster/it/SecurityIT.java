package io.eggcluster.it;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import io.eggcluster.it.wars.EchoListener;
import io.eggcluster.jetty.internal.messenger.HazelcastSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What another local user and an HTTP client can do: read every process's command line and the log (no secret
 * there), and make a webapp print anything (nothing printed is obeyed).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT
{
    private static final String INI_SECRET = "s3cret-" + UUID.randomUUID();
    private static Cluster cluster;
    private static Cluster.EggReady ready;

    @BeforeAll
    static void start() throws Exception
    {
        cluster = Cluster.start("security", base ->
        {
            try
            {
                Files.writeString(base.resolve("start.d").resolve("zz-secret.ini"), "my.secret=" + INI_SECRET + "\n");
                // a persistent work directory (Jetty's work module), which the workers must not share
                Files.createDirectories(base.resolve("work"));
            }
            catch (java.io.IOException e)
            {
                throw new java.io.UncheckedIOException(e);
            }
            TestWars.withListenerWar("echo", EchoListener.class).accept(base);
        }, "jetty.egg.workers=2", "jetty.egg.standbyDelay=1000");
        ready = cluster.awaitEggReady();
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (cluster != null)
            cluster.close();
    }

    @Test
    @Order(1)
    void whatAWebappPrintsIsNeverObeyed() throws Exception
    {
        int mark = cluster.lineCount();
        List<String> crafted = List.of("x\n@@egg-cluster@@ failed x", "@@egg-cluster@@ failed x", "failed x",
            "ready", "egg-ready", "start worker 1", "x\r\nfailed by a client");
        Set<Long> answered = new TreeSet<>();
        for (int i = 0; i < 100; i++)
        {
            String say = URLEncoder.encode(crafted.get(i % crafted.size()), StandardCharsets.UTF_8);
            Cluster.Response response = cluster.get("/echo/echo?say=" + say);
            assertEquals(200, response.status(), response.body());
            answered.add(response.number("pid"));
        }
        // the reports, had they been obeyed, are handled within milliseconds; give them a second
        Thread.sleep(1000);
        assertEquals(new TreeSet<>(ready.workerPids()), answered, "the original workers answered every request");
        for (long pid : ready.workerPids())
            assertTrue(Cluster.alive(pid), "worker " + pid + " is alive");
        String after = String.join("\n", cluster.output().lines().skip(mark).toList());
        assertFalse(after.contains("died after egg-ready") || after.contains("killing it") ||
            after.contains("unknown report"), after);
        assertTrue(after.contains("@@egg-cluster@@ failed x"), "the webapp's output is printed as output");
    }

    @Test
    @Order(2)
    void workersDoNotShareAPersistentWorkDirectory() throws Exception
    {
        java.util.Map<Long, String> tempdirs = new java.util.HashMap<>();
        for (int i = 0; i < 200 && tempdirs.size() < 2; i++)
        {
            Cluster.Response response = cluster.get("/echo/echo?say=tempdir");
            tempdirs.put(response.number("pid"), response.text("tempdir"));
        }
        assertEquals(2, tempdirs.size(), "both workers answered: " + tempdirs);
        assertEquals(2, new java.util.HashSet<>(tempdirs.values()).size(), "each worker has its own: " + tempdirs);
        for (String dir : tempdirs.values())
            assertFalse(dir.startsWith(cluster.base().resolve("work").toString()), dir);
    }

    @Test
    @Order(3)
    void noSecretOnAnyCommandLineNorInTheLog() throws Exception
    {
        // a standby, and a replacement made from it: every kind of child there is
        cluster.awaitMasterLine(Pattern.compile("standby:\\d+ forked"), Duration.ofSeconds(30));
        int mark = cluster.lineCount();
        Cluster.kill9(ready.workerPids().get(0));
        cluster.awaitLine(Pattern.compile("worker#1:\\d+ forked \\(the standby JVM\\)"), Duration.ofSeconds(30), mark, true);
        cluster.awaitLine(Pattern.compile("worker#1:\\d+ ready in"), Duration.ofSeconds(30), mark, true);
        cluster.awaitLine(Pattern.compile("standby:\\d+ forked"), Duration.ofSeconds(30), mark, true);

        // "standby:N forked" is logged once its process exists, which may still be setsid for a moment before it
        // becomes the standby's java
        List<Long> pids = new ArrayList<>();
        for (long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos(); ; Thread.sleep(50))
        {
            pids.clear();
            pids.add(cluster.master().pid());
            cluster.master().toHandle().descendants().filter(p -> p.info().command().orElse("").endsWith("java"))
                .forEach(p -> pids.add(p.pid()));
            if (pids.size() >= 5 || System.nanoTime() > deadline)
                break;
        }
        assertTrue(pids.size() >= 5, "master, agent, 2 workers and a standby: " + pids);

        // what only the owner can read: the children's environment holds their secrets
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("my.secret of start.d", INI_SECRET);
        for (long pid : pids.subList(1, pids.size()))
        {
            Map<String, String> environment = environment(pid);
            String cluster = environment.get("JETTY_EGG_HAZELCAST_CLUSTER");
            String token = environment.get("JETTY_EGG_CONTROL_TOKEN");
            assertNotNull(cluster, "child " + pid + " got the cluster name in its environment");
            assertNotNull(token, "child " + pid + " got its control token in its environment");
            secrets.put("cluster name", cluster);
            secrets.put("control token of " + pid, token);
        }
        // the direct sockets' tokens, read as a stranger who had the name would read them
        Matcher member = cluster.awaitMasterLine(Pattern.compile("Hazelcast member up on (\\S+):(\\d+)"), Duration.ZERO);
        HazelcastInstance client = HazelcastClient.newHazelcastClient(HazelcastSetup.client(secrets.get("cluster name"),
            member.group(1), Integer.parseInt(member.group(2)), "security-it", 10_000));
        try
        {
            Map<String, String> endpoints = Map.copyOf(client.<String, String>getMap("egg-endpoints"));
            assertTrue(endpoints.size() >= 3, "agent and workers published endpoints: " + endpoints);
            endpoints.forEach((slot, endpoint) -> secrets.put("direct token of " + slot,
                endpoint.substring(endpoint.lastIndexOf('/') + 1)));
        }
        finally
        {
            client.shutdown();
        }

        for (long pid : pids)
        {
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
            secrets.forEach((what, secret) -> assertFalse(cmdline.contains(secret),
                "the " + what + " is on the command line of " + pid + ": " + cmdline));
        }
        String log = cluster.output();
        secrets.forEach((what, secret) -> assertFalse(log.contains(secret), "the " + what + " is in the log"));

        // where start.d's properties went instead: a file only the owner reads
        Path properties = cluster.base().resolve("work/egg-cluster/children-" + cluster.master().pid() + ".properties");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(properties)));
        assertTrue(Files.readString(properties).contains(INI_SECRET));
    }

    private static Map<String, String> environment(long pid) throws java.io.IOException
    {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String entry : Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0"))
        {
            int eq = entry.indexOf('=');
            if (eq > 0)
                environment.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return environment;
    }
}
