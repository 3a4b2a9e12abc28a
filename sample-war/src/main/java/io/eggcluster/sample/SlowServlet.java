package io.eggcluster.sample;

import java.io.IOException;

import io.eggcluster.jetty.api.EggProcess;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /slow?ms=2000}: answers after {@code ms} milliseconds (at most 60000), to see a graceful stop let
 * in-flight requests finish: {@code {"pid":4242,"sleptMs":2000}}.
 */
public class SlowServlet extends HttpServlet
{
    private static final long MAX_MS = 60_000;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long ms;
        try
        {
            ms = Long.parseLong(request.getParameter("ms") == null ? "1000" : request.getParameter("ms"));
        }
        catch (NumberFormatException e)
        {
            response.sendError(400, "ms='" + request.getParameter("ms") + "' is not a whole number of milliseconds");
            return;
        }
        if (ms < 0 || ms > MAX_MS)
        {
            response.sendError(400, "ms=" + ms + " is out of range 0.." + MAX_MS);
            return;
        }
        getServletContext().log("slow request started: sleeping " + ms + " ms");
        try
        {
            Thread.sleep(ms);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            response.sendError(503, "interrupted after less than " + ms + " ms");
            return;
        }
        response.setContentType("application/json");
        response.getWriter().write("{\"pid\":" + EggProcess.current().pid() + ",\"sleptMs\":" + ms + "}");
    }
}
