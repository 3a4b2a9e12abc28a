package io.eggcluster.sample;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The messenger's patterns by hand:
 * <ul>
 *   <li>{@code POST /probe/send?pattern=sendToApp&tag=t1[&to=<pid>][&from=agent][&count=1][&sleepMs=0]}: this worker
 *       (or, with {@code from=agent}, the agent, asked by request) sends {@code count} probes tagged {@code t1} with
 *       that pattern, each asking its receivers to take {@code sleepMs} over it;</li>
 *   <li>{@code GET /probe/received?tag=t1[&local]}: whom this worker and the agent (not with {@code local}) received
 *       probes {@code t1} from: {@code {"pid":..,"received":[{"from":..,"role":".."}],"agent":{"pid":..,"received":[..]}}}.</li>
 * </ul>
 */
public class ProbeServlet extends HttpServlet
{
    static final String ATTRIBUTE = Probes.class.getName();

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Messenger messenger = (Messenger)getServletContext().getAttribute(Messenger.ATTRIBUTE);
        if (!"/send".equals(request.getPathInfo()) || messenger == null)
        {
            response.sendError(404, "POST /probe/send?pattern=..&tag=.. in an Egg cluster");
            return;
        }
        String pattern = request.getParameter("pattern");
        String tag = request.getParameter("tag");
        try
        {
            long to = number(request, "to", 0);
            long count = number(request, "count", 1);
            long sleepMs = number(request, "sleepMs", 0);
            for (long i = 0; i < count; i++)
            {
                if ("agent".equals(request.getParameter("from")))
                    messenger.requestAgent("probe-send", Map.of("pattern", pattern, "tag", tag, "to", to, "sleepMs", sleepMs),
                        Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
                else
                    Probes.send(messenger, pattern, tag, to, sleepMs);
            }
            response.setStatus(204);
        }
        catch (IllegalArgumentException e)
        {
            response.sendError(400, e.getMessage());
        }
        catch (Exception e)
        {
            response.sendError(500, String.valueOf(e));
        }
    }

    private static long number(HttpServletRequest request, String name, long otherwise)
    {
        String value = request.getParameter(name);
        try
        {
            return value == null ? otherwise : Long.parseLong(value);
        }
        catch (NumberFormatException e)
        {
            throw new IllegalArgumentException(name + "='" + value + "' is not a whole number");
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Messenger messenger = (Messenger)getServletContext().getAttribute(Messenger.ATTRIBUTE);
        Probes probes = (Probes)getServletContext().getAttribute(ATTRIBUTE);
        if (!"/received".equals(request.getPathInfo()) || messenger == null || probes == null)
        {
            response.sendError(404, "GET /probe/received?tag=.. in an Egg cluster");
            return;
        }
        String tag = request.getParameter("tag");
        response.setContentType("application/json");
        if (request.getParameter("local") != null)
        {
            // this worker only: no request to the agent, whose answer would queue behind this worker's messages
            response.getWriter().write("{\"pid\":" + EggProcess.current().pid() + ",\"received\":" +
                json(probes.received(tag)) + "}");
            return;
        }
        try
        {
            Map<?, ?> agent = (Map<?, ?>)messenger.requestAgent("probe-received", tag, Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
            response.setContentType("application/json");
            response.getWriter().write("{\"pid\":" + EggProcess.current().pid() + ",\"received\":" +
                json(probes.received(tag)) + ",\"agent\":{\"pid\":" + agent.get("pid") + ",\"received\":" +
                json((List<?>)agent.get("received")) + "}}");
        }
        catch (Exception e)
        {
            response.sendError(500, String.valueOf(e));
        }
    }

    private static String json(List<?> received)
    {
        return received.stream().map(r -> (Map<?, ?>)r)
            .map(r -> "{\"from\":" + r.get("from") + ",\"role\":" + Json.quote(String.valueOf(r.get("role"))) + "}")
            .collect(Collectors.joining(",", "[", "]"));
    }
}
