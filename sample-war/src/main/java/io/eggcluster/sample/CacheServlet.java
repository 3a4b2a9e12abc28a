package io.eggcluster.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code PUT /cache/{key}} (body: the value): the change goes to the agent, which sends it to every worker; answers
 * 204 once this worker's own cache has it. {@code GET /cache/{key}}: {@code {"key":..,"value":..,"pid":..}} from
 * this worker's own in-memory map, 404 when absent. {@code GET /cache}: the whole map of this worker.
 */
public class CacheServlet extends HttpServlet
{
    private static final long WRITE_TIMEOUT_MS = 5000;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        if (request.getPathInfo() == null || request.getPathInfo().equals("/"))
        {
            whole(response);
            return;
        }
        String key = key(request, response);
        if (key == null)
            return;
        String value = WorkerState.of(getServletContext()).cache.get(key);
        response.setContentType("application/json");
        if (value == null)
        {
            response.setStatus(404);
            response.getWriter().write("{\"error\":" + Json.quote("no key '" + key + "' in the cache of " +
                EggProcess.current()) + ",\"pid\":" + EggProcess.current().pid() + "}");
            return;
        }
        response.getWriter().write("{\"key\":" + Json.quote(key) + ",\"value\":" + Json.quote(value) + ",\"pid\":" +
            EggProcess.current().pid() + "}");
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String key = key(request, response);
        if (key == null)
            return;
        Messenger messenger = (Messenger)getServletContext().getAttribute(Messenger.ATTRIBUTE);
        if (messenger == null)
        {
            response.sendError(503, "not in an Egg cluster: no messenger");
            return;
        }
        String value = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        WorkerState state = WorkerState.of(getServletContext());
        String id = EggProcess.current().pid() + "-" + state.writes.incrementAndGet();
        CompletableFuture<Void> applied = new CompletableFuture<>();
        state.pendingWrites.put(id, applied);
        try
        {
            messenger.sendToAgent("cache-set", Map.of("key", key, "value", value, "id", id));
            applied.get(WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            response.setStatus(204);
        }
        catch (TimeoutException e)
        {
            response.sendError(504, "the agent did not send the change back within " + WRITE_TIMEOUT_MS + " ms");
        }
        catch (Exception e)
        {
            response.sendError(500, "cache-set failed: " + e);
        }
        finally
        {
            state.pendingWrites.remove(id);
        }
    }

    /** {@code GET /cache}: this worker's whole cache, {@code {"pid":..,"size":2,"entries":{"k":"v",..}}}. */
    private void whole(HttpServletResponse response) throws IOException
    {
        Map<String, String> cache = new java.util.TreeMap<>(WorkerState.of(getServletContext()).cache);
        StringBuilder json = new StringBuilder("{\"pid\":" + EggProcess.current().pid() + ",\"size\":" + cache.size() +
            ",\"entries\":{");
        String comma = "";
        for (Map.Entry<String, String> entry : cache.entrySet())
        {
            json.append(comma).append(Json.quote(entry.getKey())).append(':').append(Json.quote(entry.getValue()));
            comma = ",";
        }
        response.setContentType("application/json");
        response.getWriter().write(json.append("}}").toString());
    }

    private static String key(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String path = request.getPathInfo();
        if (path == null || path.length() < 2)
        {
            response.sendError(400, "missing key: use /cache/{key}");
            return null;
        }
        return path.substring(1);
    }
}
