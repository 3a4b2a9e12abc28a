package io.eggcluster.sample;

import java.io.IOException;

import io.eggcluster.jetty.api.EggProcess;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /pid}: which process served this request, e.g. {@code {"pid":4242,"role":"worker","workerId":1}}.
 */
public class PidServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        EggProcess process = EggProcess.current();
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write("{\"pid\":" + process.pid() + ",\"role\":\"" + process.role().id() +
            "\",\"workerId\":" + process.workerId() + "}");
    }
}
