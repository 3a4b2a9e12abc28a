package io.eggcluster.jetty.internal.admin;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.eggcluster.jetty.internal.EggSettings;
import org.eclipse.jetty.util.ajax.JSON;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdminHttpTest
{
    private final StatusBoard board = new StatusBoard();
    private final StatusHistory history = new StatusHistory(board, 3_600_000, 3_600_000);
    private final HttpClient client = HttpClient.newHttpClient();
    private AdminHttp admin;

    @BeforeEach
    void start() throws Exception
    {
        admin = new AdminHttp(new EggSettings.Operations("127.0.0.1", 0, "", 7), board, history);
        admin.start();
    }

    @AfterEach
    void stop() throws Exception
    {
        admin.stop();
    }

    static ProcessStatus process(String role, int id, long pid, boolean replacement, Long requests, long sent,
                                 long received)
    {
        String name = role.equals("master") ? "master" : role + "#" + id;
        return new ProcessStatus(role, id, name, pid, "ready", replacement, 12_345L, 1, null, 150_000_000L, 3.25,
            12.5, 64_000_000L, requests, requests == null ? null : 2L, sent, received, role.equals("master") ? null : 0L,
            role.equals("master") ? null : 400L);
    }

    static ClusterStatus status(long timeMs, List<ProcessStatus> processes)
    {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("eggCluster", "0.1.0-SNAPSHOT");
        versions.put("jetty", "12.1.12");
        versions.put("hazelcast", "5.7.0");
        versions.put("java", "17.0.15");
        return new ClusterStatus("ready", null, 100, 60_000, 6_400L, 2, "http://127.0.0.1:8080/", "/srv/base",
            versions, processes, timeMs);
    }

    static ClusterStatus sampleStatus(long timeMs)
    {
        return status(timeMs, List.of(
            new ProcessStatus("master", 0, "master", 100L, "ready", false, 60_000L, 0, null, 200_000_000L, 9.5,
                3.0, 80_000_000L, null, null, null, null, null, null),
            process("agent", 0, 101, false, null, 5, 7),
            process("worker", 1, 102, false, 1000L, 3, 4),
            process("worker", 2, 103, false, 2000L, 3, 4)));
    }

    private HttpResponse<String> send(String method, String path) throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.getPort() + path))
            .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertSafeHeaders(HttpResponse<?> response)
    {
        assertEquals("nosniff", response.headers().firstValue("X-Content-Type-Options").orElse(null));
        String csp = response.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("default-src 'self'"), csp);
        assertTrue(response.headers().map().keySet().stream().noneMatch(h -> h.toLowerCase().startsWith("access-control-")),
            "no CORS header: " + response.headers().map());
    }

    @Test
    void beforeTheFirstStatusTheDataEndpointsAnswer503()
    {
        assertEquals(503, call("GET", "/status.json").statusCode());
        HttpResponse<String> status = call("GET", "/status.json");
        assertTrue(status.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        Map<?, ?> error = (Map<?, ?>)new JSON().fromJSON(status.body());
        assertTrue(String.valueOf(error.get("error")).contains("no status"), status.body());
        assertEquals(503, call("GET", "/metrics").statusCode());
        // the page itself and the (empty) history are served
        assertEquals(200, call("GET", "/").statusCode());
        assertEquals(200, call("GET", "/history.json").statusCode());
    }

    private HttpResponse<String> call(String method, String path)
    {
        try
        {
            return send(method, path);
        }
        catch (Exception e)
        {
            throw new AssertionError(method + " " + path, e);
        }
    }

    @Test
    void statusJsonIsTheBoardsCurrentStatus() throws Exception
    {
        ClusterStatus status = sampleStatus(1_000_000);
        board.publish(status);
        HttpResponse<String> response = send("GET", "/status.json");
        assertEquals(200, response.statusCode());
        assertSafeHeaders(response);
        assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(null));
        assertEquals(new JSON().toJSON(status.toJson()), response.body());
        Map<?, ?> json = (Map<?, ?>)new JSON().fromJSON(response.body());
        assertEquals(4, ((Object[])json.get("processes")).length);

        // a later status replaces it
        board.publish(status(1_001_000, List.of(process("worker", 1, 999, false, 1L, 0, 0))));
        Map<?, ?> later = (Map<?, ?>)new JSON().fromJSON(send("GET", "/status.json").body());
        assertEquals(999L, ((Map<?, ?>)((Object[])later.get("processes"))[0]).get("pid"));
    }

    @Test
    void aNonFiniteFigureIsNullInJson() throws Exception
    {
        ProcessStatus p = new ProcessStatus("worker", 1, "worker#1", 5L, "ready", false, 1L, 0, null, 1L, 1.0,
            Double.NaN, 1L, 1L, 0L, 0L, 0L, 0L, 1L);
        board.publish(status(1, List.of(p)));
        String body = send("GET", "/status.json").body();
        assertFalse(body.contains("NaN"), body);
        assertTrue(body.contains("\"cpuPercent\":null"), body);
    }

    @Test
    void thePageItsScriptAndStyleComeFromThisServerOnly() throws Exception
    {
        HttpResponse<String> page = send("GET", "/");
        assertEquals(200, page.statusCode());
        assertSafeHeaders(page);
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String html = page.body();
        assertTrue(html.contains("<script src=\"dashboard.js\""), html);
        assertTrue(html.contains("href=\"dashboard.css\""), html);
        // no inline script (the CSP would block it) and nothing from another origin
        Matcher scripts = Pattern.compile("<script([^>]*)>").matcher(html);
        while (scripts.find())
            assertTrue(scripts.group(1).contains("src="), "inline script: " + scripts.group());
        assertFalse(html.contains(" style=\""), "inline style attribute (the CSP blocks it)");
        Map<String, String> types = Map.of("/dashboard.js", "text/javascript", "/dashboard.css", "text/css",
            "/favicon.svg", "image/svg+xml");
        for (Map.Entry<String, String> asset : types.entrySet())
        {
            HttpResponse<String> response = send("GET", asset.getKey());
            assertEquals(200, response.statusCode(), asset.getKey());
            assertSafeHeaders(response);
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith(asset.getValue()),
                asset.getKey());
            assertFalse(response.body().isEmpty());
        }
        for (String path : List.of("/", "/dashboard.js", "/dashboard.css"))
        {
            String body = send("GET", path).body();
            assertFalse(Pattern.compile("(src|href|url)\\s*[=(]\\s*[\"']?(https?:)?//").matcher(body).find(),
                path + " loads something from another origin");
            assertFalse(body.contains("innerHTML"), path + " uses innerHTML (everything shown goes through textContent)");
        }
    }

    @Test
    void headAnswersTheHeadersWithoutABody() throws Exception
    {
        board.publish(sampleStatus(1));
        HttpResponse<String> get = send("GET", "/metrics");
        HttpResponse<String> head = send("HEAD", "/metrics");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(get.headers().firstValue("Content-Type"), head.headers().firstValue("Content-Type"));
        assertEquals(String.valueOf(get.body().getBytes(StandardCharsets.UTF_8).length),
            head.headers().firstValue("Content-Length").orElse(null));
    }

    @Test
    void otherMethodsAre405AndOtherPaths404() throws Exception
    {
        board.publish(sampleStatus(1));
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH"))
        {
            for (String path : List.of("/", "/status.json", "/metrics", "/history.json"))
            {
                HttpResponse<String> response = send(method, path);
                assertEquals(405, response.statusCode(), method + " " + path);
                assertEquals("GET, HEAD", response.headers().firstValue("Allow").orElse(null));
                assertSafeHeaders(response);
            }
        }
        for (String path : List.of("/nope", "/status.json/", "/index.html", "/dashboard/../metrics.txt", "/admin"))
        {
            HttpResponse<String> response = send("GET", path);
            assertEquals(404, response.statusCode(), path);
            assertSafeHeaders(response);
        }
        assertEquals(404, send("POST", "/nope").statusCode());
    }

    /** A raw request, to set the Host header the JDK's client will not let us set. */
    private String rawGet(String path, String host) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", admin.getPort()), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void onLoopbackOnlyIpLiteralsAndLocalhostAreAnsweredAsHost() throws Exception
    {
        board.publish(sampleStatus(1));
        int port = admin.getPort();
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.0.0.1"))
            assertTrue(rawGet("/status.json", host).startsWith("HTTP/1.1 200"), host);
        // a page on another origin whose name now resolves to 127.0.0.1 (DNS rebinding)
        String refused = rawGet("/status.json", "attacker.example:" + port);
        assertTrue(refused.startsWith("HTTP/1.1 403"), refused);
        assertFalse(refused.contains("\"processes\""), refused);
        assertTrue(AdminHttp.loopbackHostAllowed(null));
        assertFalse(AdminHttp.loopbackHostAllowed("127.0.0.1.attacker.example"));
    }

    @Test
    void aTakenPortFailsTheStartNamingThePropertyAndThePort() throws Exception
    {
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            AdminHttp second = new AdminHttp(new EggSettings.Operations("127.0.0.1", port, "", 7), board);
            Exception e = assertThrows(Exception.class, second::start);
            assertTrue(e.getMessage().contains("jetty.egg.admin.port=" + port), e.getMessage());
            assertFalse(second.isRunning());
            second.stop();
        }
    }

    // ---- /metrics, read back with a parser of the text format (0.0.4) ----

    record Sample(String name, Map<String, String> labels, String value)
    {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** Parses every line; fails on anything the format does not allow, or a sample without HELP and TYPE before. */
    static List<Sample> parse(String text)
    {
        assertTrue(text.endsWith("\n"), "the last line ends with a line feed");
        Map<String, String> types = new HashMap<>();
        Set<String> helps = new LinkedHashSet<>();
        Set<String> seriesSeen = new LinkedHashSet<>();
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n"))
        {
            if (line.startsWith("# HELP "))
            {
                String[] parts = line.split(" ", 4);
                assertTrue(NAME.matcher(parts[2]).matches(), line);
                assertTrue(helps.add(parts[2]), "one HELP per name: " + line);
                continue;
            }
            if (line.startsWith("# TYPE "))
            {
                String[] parts = line.split(" ");
                assertEquals(4, parts.length, line);
                assertTrue(List.of("counter", "gauge").contains(parts[3]), line);
                assertNull(types.put(parts[2], parts[3]), "one TYPE per name: " + line);
                assertTrue(!parts[3].equals("counter") || parts[2].endsWith("_total"), "a counter ends in _total: " + line);
                continue;
            }
            assertFalse(line.startsWith("#") || line.isBlank(), "unexpected line: " + line);
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ')
                i++;
            String name = line.substring(0, i);
            assertTrue(NAME.matcher(name).matches(), line);
            assertTrue(helps.contains(name) && types.containsKey(name), "HELP and TYPE before " + line);
            Map<String, String> labels = new LinkedHashMap<>();
            if (line.charAt(i) == '{')
            {
                i++;
                while (line.charAt(i) != '}')
                {
                    int eq = line.indexOf('=', i);
                    String label = line.substring(i, eq);
                    assertTrue(LABEL_NAME.matcher(label).matches() && !label.startsWith("__"), line);
                    assertEquals('"', line.charAt(eq + 1), line);
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2;
                    for (; line.charAt(j) != '"'; j++)
                    {
                        char c = line.charAt(j);
                        if (c == '\\')
                        {
                            char next = line.charAt(++j);
                            assertTrue(next == '\\' || next == '"' || next == 'n', "escape \\" + next + " in " + line);
                            value.append(next == 'n' ? '\n' : next);
                        }
                        else
                            value.append(c);
                    }
                    assertNull(labels.put(label, value.toString()), line);
                    i = j + 1;
                    if (line.charAt(i) == ',')
                        i++;
                }
                i++;
            }
            assertEquals(' ', line.charAt(i), line);
            String value = line.substring(i + 1);
            assertTrue(value.matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?"), "a finite number: " + line);
            assertTrue(seriesSeen.add(name + labels), "one sample per series: " + line);
            samples.add(new Sample(name, labels, value));
        }
        for (String name : types.keySet())
            assertTrue(helps.contains(name), "HELP for " + name);
        return samples;
    }

    private static String value(List<Sample> samples, String name, String role, String workerId)
    {
        return samples.stream().filter(s -> s.name().equals(name) && role.equals(s.labels().get("role")) &&
            workerId.equals(s.labels().get("worker_id"))).map(Sample::value).findFirst().orElse(null);
    }

    @Test
    void metricsCoverEveryProcessInTheTextFormat() throws Exception
    {
        board.publish(sampleStatus(1));
        HttpResponse<String> response = send("GET", "/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertSafeHeaders(response);
        List<Sample> samples = parse(response.body());

        Sample info = samples.stream().filter(s -> s.name().equals("egg_cluster_info")).findFirst().orElseThrow();
        assertEquals("ready", info.labels().get("state"));
        assertEquals("0.1.0-SNAPSHOT", info.labels().get("version"));
        assertEquals("1", info.value());
        assertEquals("2", samples.stream().filter(s -> s.name().equals("egg_cluster_workers")).findFirst()
            .orElseThrow().value());

        String[][] processes = {{"master", "0", "100"}, {"agent", "0", "101"}, {"worker", "1", "102"},
            {"worker", "2", "103"}};
        for (String[] p : processes)
        {
            Sample processInfo = samples.stream().filter(s -> s.name().equals("egg_process_info") &&
                p[0].equals(s.labels().get("role")) && p[1].equals(s.labels().get("worker_id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no egg_process_info for " + String.join("#", p)));
            assertEquals(p[2], processInfo.labels().get("pid"));
            for (String name : List.of("egg_process_resident_memory_bytes", "egg_process_cpu_seconds_total",
                "egg_process_uptime_seconds", "egg_process_restarts_total", "egg_jvm_heap_used_bytes"))
                assertNotNull(value(samples, name, p[0], p[1]), name + " for " + String.join("#", p));
        }
        assertEquals("1000", value(samples, "egg_requests_total", "worker", "1"));
        assertEquals("2000", value(samples, "egg_requests_total", "worker", "2"));
        assertEquals("150000000", value(samples, "egg_process_resident_memory_bytes", "worker", "1"));
        assertEquals("3.25", value(samples, "egg_process_cpu_seconds_total", "worker", "1"));
        assertEquals("12.345", value(samples, "egg_process_uptime_seconds", "worker", "1"));
        assertEquals("0.4", value(samples, "egg_heartbeat_age_seconds", "worker", "2"));
        assertEquals("5", value(samples, "egg_messages_sent_total", "agent", "0"));
        assertEquals("7", value(samples, "egg_messages_received_total", "agent", "0"));
        // what the master does not know gives no series, never NaN
        assertNull(value(samples, "egg_requests_total", "master", "0"));
        assertNull(value(samples, "egg_requests_total", "agent", "0"));
        assertNull(value(samples, "egg_heartbeat_age_seconds", "master", "0"));
        assertFalse(response.body().contains("NaN"));
    }

    @Test
    void metricsEscapeLabelValuesAndKeepAReplacementApart()
    {
        Map<String, String> versions = Map.of("eggCluster", "weird \"quoted\" \\ back\nslash");
        ClusterStatus status = new ClusterStatus("reloading", "reload: worker#1", 1, 1000, null, 1, "u", "b", versions,
            List.of(process("worker", 1, 10, false, 5L, 0, 0), process("worker", 1, 11, true, 0L, 0, 0),
                new ProcessStatus("worker", 2, "worker#2", null, "restarting", false, null, 3, "exit code 137 (SIGKILL)",
                    null, null, null, null, null, null, null, null, 4L, null)), 5);
        String text = PrometheusMetrics.render(status);
        List<Sample> samples = parse(text);
        Sample info = samples.stream().filter(s -> s.name().equals("egg_cluster_info")).findFirst().orElseThrow();
        assertEquals("weird \"quoted\" \\ back\nslash", info.labels().get("version"));
        assertTrue(text.contains("version=\"weird \\\"quoted\\\" \\\\ back\\nslash\""), text);
        assertEquals("reloading", info.labels().get("state"));
        // before egg-ready: no egg-ready figure
        assertTrue(samples.stream().noneMatch(s -> s.name().equals("egg_cluster_egg_ready_seconds")));
        // the replacement's series are its own
        List<Sample> requests = samples.stream().filter(s -> s.name().equals("egg_requests_total")).toList();
        assertEquals(2, requests.size(), text);
        assertEquals("true", requests.get(1).labels().get("replacement"));
        // a slot waiting for its restart: its restarts and queue, no pid
        assertEquals("3", value(samples, "egg_process_restarts_total", "worker", "2"));
        assertEquals("4", value(samples, "egg_queue_depth", "worker", "2"));
        Sample waiting = samples.stream().filter(s -> s.name().equals("egg_process_info") &&
            "2".equals(s.labels().get("worker_id"))).findFirst().orElseThrow();
        assertNull(waiting.labels().get("pid"));
    }

    @Test
    void numbersAreWrittenAsTheFormatReadsThem()
    {
        assertNull(PrometheusMetrics.format(null));
        assertNull(PrometheusMetrics.format(Double.NaN));
        assertNull(PrometheusMetrics.format(Double.POSITIVE_INFINITY));
        assertEquals("3", PrometheusMetrics.format(3.0));
        assertEquals("0.5", PrometheusMetrics.format(0.5));
        assertEquals("123456789012", PrometheusMetrics.format(123456789012L));
        assertEquals("1.0E20", PrometheusMetrics.format(1e20));
    }

    // ---- the charts' history ----

    @Test
    void historyRatesComeFromTheCountersOfTheSamePid() throws Exception
    {
        StatusHistory h = new StatusHistory(board, 2000, 10_000);
        h.sample(status(10_000, List.of(process("worker", 1, 50, false, 100L, 10, 10))));
        h.sample(status(12_000, List.of(process("worker", 1, 50, false, 300L, 20, 30))));
        h.sample(status(12_000, List.of(process("worker", 1, 50, false, 999L, 20, 30)))); // nothing new published
        // the worker died and its replacement serves: a new pid, counters from zero
        h.sample(status(14_000, List.of(process("worker", 1, 51, false, 10L, 0, 0))));
        h.sample(status(16_000, List.of(process("worker", 1, 51, false, 50L, 1, 1))));
        List<StatusHistory.Sample> samples = h.samples("worker#1");
        assertEquals(4, samples.size(), samples.toString());
        assertNull(samples.get(0).requestsPerSecond(), "no rate without a previous sample");
        assertEquals(100.0, samples.get(1).requestsPerSecond());
        assertEquals(15.0, samples.get(1).messagesPerSecond());
        assertEquals(150_000_000L, samples.get(1).rssBytes());
        assertNull(samples.get(2).requestsPerSecond(), "a new pid has no rate yet");
        assertEquals(51L, samples.get(2).pid());
        assertEquals(20.0, samples.get(3).requestsPerSecond());
        assertEquals(1.0, samples.get(3).messagesPerSecond());
    }

    @Test
    void historyTracksAReplacementWithoutDrawingItAndIsBounded()
    {
        StatusHistory h = new StatusHistory(board, 2000, 10_000);
        h.sample(status(0, List.of(process("worker", 1, 50, false, 100L, 0, 0),
            process("worker", 1, 60, true, 0L, 0, 0))));
        assertEquals(1, h.samples("worker#1").size());
        assertEquals(50L, h.samples("worker#1").get(0).pid());
        // the replacement serves now: its rate is known at once, from when it was a replacement
        h.sample(status(2000, List.of(process("worker", 1, 60, false, 40L, 0, 0))));
        assertEquals(20.0, h.samples("worker#1").get(1).requestsPerSecond());
        for (long t = 4000; t <= 100_000; t += 2000)
            h.sample(status(t, List.of(process("worker", 1, 60, false, t, 0, 0))));
        List<StatusHistory.Sample> kept = h.samples("worker#1");
        assertEquals(5, kept.size(), "a window of 10 s at 2 s: " + kept);
        assertEquals(92_000, kept.get(0).timeMs());
        // a slot scaled away is forgotten after a window
        h.sample(status(102_000, List.of(process("worker", 2, 70, false, 0L, 0, 0))));
        assertFalse(h.samples("worker#1").isEmpty());
        h.sample(status(112_000, List.of(process("worker", 2, 70, false, 0L, 0, 0))));
        assertTrue(h.samples("worker#1").isEmpty());
    }

    @Test
    void historyJsonHasTheChartsSeriesInTheStatusOrder() throws Exception
    {
        history.sample(sampleStatus(10_000));
        history.sample(sampleStatus(12_000));
        HttpResponse<String> response = send("GET", "/history.json");
        assertEquals(200, response.statusCode());
        Map<?, ?> json = (Map<?, ?>)new JSON().fromJSON(response.body());
        assertEquals(12_000L, json.get("timeMs"));
        Object[] processes = (Object[])json.get("processes");
        assertEquals(List.of("master", "agent#0", "worker#1", "worker#2"),
            java.util.Arrays.stream(processes).map(p -> ((Map<?, ?>)p).get("name")).toList());
        Map<?, ?> worker = (Map<?, ?>)processes[2];
        assertEquals(2, ((Object[])worker.get("timeMs")).length);
        assertEquals(List.of(150_000_000L, 150_000_000L), List.of((Object[])worker.get("rssBytes")));
        Object[] rates = (Object[])worker.get("requestsPerSecond");
        assertNull(rates[0]);
        assertEquals(0L, ((Number)rates[1]).longValue());
    }
}
