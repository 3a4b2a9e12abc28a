package io.eggcluster.sample;

import java.io.IOException;
import java.util.List;

import io.eggcluster.jetty.api.EggProcess;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /} (the context root only): a short HTML page naming the sample's endpoints, one line each, and the
 * process that served it (role, workerId, pid), so that a reload of the page shows the kernel spreading connections
 * over the workers. Everything it echoes is HTML-escaped.
 */
public class FrontServlet extends HttpServlet
{
    /** Each endpoint: method and path, what it shows. */
    private static final List<String[]> ENDPOINTS = List.of(
        new String[] {"GET", "pid", "which process served the request: JSON pid, role, workerId"},
        new String[] {"GET", "hello", "plain text hello: the HTTP benchmark's endpoint"},
        new String[] {"GET", "all-ready", "what the agent told this worker once every worker was ready; exactly one " +
            "worker of the cluster says chosen: true"},
        new String[] {"GET", "cache", "this worker's in-memory cache; PUT /cache/{key} changes it on every worker " +
            "(through the agent), GET /cache/{key} reads one key here"},
        new String[] {"GET", "slow?ms=2000", "answers after ms milliseconds: an in-flight request for a graceful stop"},
        new String[] {"POST", "probe/send?pattern=sendToApp&tag=t1", "sends probes with a messenger pattern; GET " +
            "/probe/received?tag=t1 shows who received them"},
        new String[] {"GET", "rtt?n=1000", "messenger round trips to the agent, timed (also /flood, /broadcast-rtt)"});

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        EggProcess process = EggProcess.current();
        String base = request.getContextPath() + "/";
        StringBuilder page = new StringBuilder(2048);
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Egg Cluster for Jetty: " +
            "sample</title></head>\n<body>\n<h1>Egg Cluster for Jetty: sample</h1>\n<p id=\"served-by\">Served by ")
            .append(html(process.role().id())).append(" <span id=\"worker-id\">").append(process.workerId())
            .append("</span>, pid <span id=\"pid\">").append(process.pid()).append("</span>.</p>\n<ul>\n");
        for (String[] endpoint : ENDPOINTS)
        {
            String label = endpoint[0] + " /" + endpoint[1];
            page.append("<li>");
            if (endpoint[0].equals("GET"))
                page.append("<a href=\"").append(html(base + endpoint[1])).append("\">").append(html(label)).append("</a>");
            else
                page.append(html(label));
            page.append(": ").append(html(endpoint[2])).append("</li>\n");
        }
        page.append("</ul>\n</body>\n</html>\n");
        response.setContentType("text/html");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(page.toString());
    }

    /** @return {@code text} safe inside an HTML element or a double-quoted attribute */
    static String html(String text)
    {
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++)
        {
            char c = text.charAt(i);
            switch (c)
            {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
