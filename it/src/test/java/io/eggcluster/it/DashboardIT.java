package io.eggcluster.it;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by
 * Selenium through the system's chromedriver, never a downloaded one): the page lists every process of a running
 * cluster with its pid, and after a worker is killed shows its replacement in the same page, without navigating or
 * reloading. Writes {@code it/target/dashboard.png}. Also reads {@code /metrics}: a series per process.
 */
class DashboardIT
{
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Every process row of the table, as the page keeps it (data attributes and the restarts cell). */
    private static final String ROWS_SCRIPT = "return Array.from(document.querySelectorAll('#processes tbody tr'))" +
        ".map(tr => ({name: tr.dataset.name, pid: tr.dataset.pid, state: tr.dataset.state," +
        " restarts: tr.querySelector('td.restarts').textContent}));";

    /**
     * The README's one test command ({@code mvn -B verify}) installs what the tests need: Debian's chromium and
     * chromium-driver, when they are missing and this runs as root; otherwise the test fails and says how.
     */
    private static void ensureChromium() throws Exception
    {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
            return;
        String install = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium " +
            "chromium-driver";
        if (!"root".equals(System.getProperty("user.name")))
            fail("DashboardIT needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER +
                "), and installs them only as root: run '" + install + "' as root first");
        Path log = Files.createDirectories(Path.of(System.getProperty("egg.workDir"))).resolve("apt-chromium.log");
        System.out.println("DashboardIT: installing chromium and chromium-driver (" + install + "), output in " + log);
        Process apt = new ProcessBuilder("sh", "-c", install).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        if (!apt.waitFor(15, java.util.concurrent.TimeUnit.MINUTES))
            apt.destroyForcibly();
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER))
            fail("DashboardIT could not install chromium and chromium-driver ('" + install + "', exit " +
                (apt.isAlive() ? "none: timed out" : apt.exitValue()) + "); its output: " + Files.readString(log));
    }

    @Test
    void theDashboardShowsEveryProcessAndAReplacementLive() throws Exception
    {
        ensureChromium();
        int adminPort = Cluster.freePort();
        Path target = Path.of(System.getProperty("egg.workDir")).getParent();
        try (Cluster cluster = Cluster.start("dashboard", "jetty.egg.workers=2", "jetty.egg.admin.port=" + adminPort))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            cluster.awaitMasterLine(Pattern.compile("dashboard at http://127\\.0\\.0\\.1:" + adminPort +
                "/ \\(read-only; /metrics for Prometheus\\)"), Duration.ofSeconds(10));
            long masterPid = cluster.master().pid();
            long worker1 = ready.workerPids().get(0);
            long worker2 = ready.workerPids().get(1);
            // light load all along, so that the charts have requests and messages to draw
            AtomicBoolean loading = new AtomicBoolean(true);
            Thread load = new Thread(() -> traffic(cluster, loading), "dashboard-load");
            load.setDaemon(true);
            load.start();
            Browser browser = Browser.start(target.resolve("chromedriver.log"));
            try
            {
                WebDriver driver = browser.driver();
                JavascriptExecutor js = (JavascriptExecutor)driver;
                driver.get("http://127.0.0.1:" + adminPort + "/");
                Map<String, String> expected = new LinkedHashMap<>();
                expected.put("master", String.valueOf(masterPid));
                expected.put("agent#0", String.valueOf(ready.agentPid()));
                expected.put("worker#1", String.valueOf(worker1));
                expected.put("worker#2", String.valueOf(worker2));
                await(driver, Duration.ofSeconds(30), () -> "the page to list " + expected + "; it lists " + rows(js),
                    () -> pidsByName(rows(js)).equals(expected));
                // marks this very page: a navigation or a reload would lose it
                js.executeScript("window.eggTestMarker = 'the same page';");
                long pollsBefore = ((Number)js.executeScript("return window.eggDashboard.statusPolls;")).longValue();

                int from = cluster.lineCount();
                Cluster.kill9(worker1);
                Matcher replaced = cluster.awaitLine(Pattern.compile("worker#1:(\\d+) ready in \\d+ ms"),
                    Duration.ofSeconds(90), from, true);
                String replacement = replaced.group(1);
                assertNotEquals(String.valueOf(worker1), replacement);
                await(driver, Duration.ofSeconds(30), () -> "the page to show worker#1:" + replacement +
                    " ready in place of the killed " + worker1 + "; it shows " + rows(js), () ->
                {
                    List<Map<String, Object>> rows = rows(js);
                    return rows.stream().anyMatch(r -> "worker#1".equals(r.get("name")) &&
                        replacement.equals(r.get("pid")) && "ready".equals(r.get("state"))) &&
                        rows.stream().noneMatch(r -> String.valueOf(worker1).equals(r.get("pid")));
                });
                Map<String, Object> row = rows(js).stream().filter(r -> replacement.equals(r.get("pid")))
                    .findFirst().orElseThrow();
                assertEquals("1", row.get("restarts"), "worker#1's restarts, in " + rows(js));
                assertEquals("the same page", js.executeScript("return window.eggTestMarker;"),
                    "the page was reloaded or left");
                long pollsAfter = ((Number)js.executeScript("return window.eggDashboard.statusPolls;")).longValue();
                assertTrue(pollsAfter > pollsBefore, "polls " + pollsBefore + " -> " + pollsAfter);
                // and it goes on updating: three seconds more of the master's statuses reach the page
                long shownAt = ((Number)js.executeScript("return window.eggDashboard.status.timeMs;")).longValue();
                await(driver, Duration.ofSeconds(15), () -> "the page to go on updating after " + shownAt + "; it " +
                    "shows the status of " + js.executeScript("return window.eggDashboard.status.timeMs;"), () ->
                    ((Number)js.executeScript("return window.eggDashboard.status.timeMs;")).longValue() >=
                        shownAt + 3000);

                // the charts: several samples of every process's memory, and the workers' requests/s
                await(driver, Duration.ofSeconds(60), () -> "the charts' data; history is " +
                    js.executeScript("return JSON.stringify(window.eggDashboard.history);"), () -> Boolean.TRUE.equals(
                    js.executeScript("const h = window.eggDashboard.history; if (!h) return false;" +
                        "const drawn = (p, key) => p[key].filter(v => v !== null).length >= 8;" +
                        "return h.processes.length >= 4 && h.processes.every(p => drawn(p, 'rssBytes'))" +
                        " && h.processes.some(p => p.role === 'worker' && p.requestsPerSecond.some(v => v > 0));")));
                Path png = target.resolve("dashboard.png");
                Files.copy(((TakesScreenshot)driver).getScreenshotAs(OutputType.FILE).toPath(), png,
                    StandardCopyOption.REPLACE_EXISTING);
                assertTrue(Files.size(png) > 10_000, png + " is " + Files.size(png) + " bytes");
            }
            finally
            {
                loading.set(false);
                browser.close();
                load.join(20_000);
            }

            // /metrics: a series per process of the cluster as it is now
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
            String[][] processes = {{"master", "0"}, {"agent", "0"}, {"worker", "1"}, {"worker", "2"}};
            for (String[] p : processes)
            {
                String labels = "role=\"" + p[0] + "\",worker_id=\"" + p[1] + "\"";
                assertTrue(metrics.contains("egg_process_info{" + labels + ",pid=\""), "egg_process_info of " +
                    p[0] + "#" + p[1] + " in:\n" + metrics);
                assertTrue(Pattern.compile("(?m)^egg_process_resident_memory_bytes\\{" + Pattern.quote(labels) +
                    "} [0-9]+$").matcher(metrics).find(), "the resident memory of " + p[0] + "#" + p[1] + " in:\n" +
                    metrics);
            }
            assertFalse(metrics.contains("NaN"), metrics);
        }
    }

    @Test
    void aTakenAdminPortStopsTheMasterBeforeAnythingIsForked() throws Exception
    {
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            try (Cluster cluster = Cluster.start("dashboard-port", "jetty.egg.workers=1",
                "jetty.egg.admin.port=" + port))
            {
                int status = cluster.awaitExit(Duration.ofSeconds(60));
                assertNotEquals(0, status, cluster.output());
                cluster.awaitMasterLine(Pattern.compile("cannot serve the dashboard on 127\\.0\\.0\\.1:" + port +
                    " \\(jetty\\.egg\\.admin\\.port=" + port), Duration.ofSeconds(1));
                assertTrue(cluster.masterLines(Cluster.FORKED, 0).isEmpty(), "forked: " + cluster.output());
            }
        }
    }

    /**
     * Until {@code loading} is cleared: about 20 requests/s, and a few messages (the sample WAR's cache: a PUT goes to
     * the agent, which broadcasts it to every worker). A failed request (the killed worker's) is no failure here.
     */
    private static void traffic(Cluster cluster, AtomicBoolean loading)
    {
        for (int i = 0; loading.get(); i++)
        {
            try
            {
                cluster.get("/pid");
                if (i % 10 == 0)
                    cluster.request("PUT", "/cache/colour", "blue" + i);
                Thread.sleep(50);
            }
            catch (IOException e)
            {
                // a connection to the worker being killed
            }
            catch (InterruptedException e)
            {
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(JavascriptExecutor js)
    {
        return (List<Map<String, Object>>)js.executeScript(ROWS_SCRIPT);
    }

    private static Map<String, String> pidsByName(List<Map<String, Object>> rows)
    {
        Map<String, String> pids = new LinkedHashMap<>();
        rows.forEach(r -> pids.put(String.valueOf(r.get("name")), String.valueOf(r.get("pid"))));
        return pids;
    }

    private static void await(WebDriver driver, Duration timeout, Supplier<String> what,
                              BooleanSupplier condition)
    {
        new WebDriverWait(driver, timeout, Duration.ofMillis(250)).withMessage(what)
            .until(d -> condition.getAsBoolean());
    }

    /**
     * Headless Chromium through the system's chromedriver; {@link #close()} quits it and then makes sure that the
     * chromedriver and every process under it are gone, killing by pid what is left.
     */
    private record Browser(ChromeDriverService service, ChromeDriver driver, Path profile)
    {
        static Browser start(Path log) throws IOException
        {
            // the system's driver and browser: Selenium Manager, which would try to download them, is never asked
            System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
            Path profile = Files.createTempDirectory("egg-dashboard-chromium-");
            ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(log.toFile())
                .build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
            try
            {
                return new Browser(service, new ChromeDriver(service, options), profile);
            }
            catch (RuntimeException e)
            {
                service.stop();
                throw e;
            }
        }

        /** The chromedriver processes (children of this JVM) and everything under them. */
        static Set<ProcessHandle> processes()
        {
            Set<ProcessHandle> found = new LinkedHashSet<>();
            ProcessHandle.current().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("chromedriver")).orElse(false))
                .forEach(p ->
                {
                    found.add(p);
                    p.descendants().forEach(found::add);
                });
            return found;
        }

        void close() throws InterruptedException
        {
            Set<ProcessHandle> started = processes();
            try
            {
                driver.quit();
            }
            finally
            {
                service.stop();
                List<Long> left = new ArrayList<>();
                for (ProcessHandle p : started)
                {
                    try
                    {
                        p.onExit().get(15, TimeUnit.SECONDS);
                    }
                    catch (Exception stillThere)
                    {
                        left.add(p.pid());
                        p.destroyForcibly();
                    }
                }
                // anything Chromium left outside the tree (a re-parented helper) still names its fresh profile
                ProcessHandle.allProcesses().filter(p -> !started.contains(p) && p.info().arguments()
                    .map(a -> String.join(" ", a).contains(profile.toString())).orElse(false)).forEach(p ->
                {
                    left.add(p.pid());
                    started.add(p);
                    p.destroyForcibly();
                });
                for (ProcessHandle p : started)
                    p.onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS).join();
                try (var walk = Files.walk(profile))
                {
                    walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
                catch (IOException ignored)
                {
                    // a temp profile left is no failure
                }
                if (!left.isEmpty())
                    fail("quit() left browser processes " + left + " running (killed now)");
                assertFalse(started.isEmpty(), "no chromedriver process was seen under this JVM");
            }
        }
    }
}
