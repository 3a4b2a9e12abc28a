package io.eggcluster.sample;

import java.io.IOException;

import io.eggcluster.jetty.api.EggProcess;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /all-ready}: {@code {"pid":..,"readyWorkers":2,"allWorkersReady":true,"chosen":false}}, what the agent
 * told this worker; exactly one worker of the cluster says {@code "chosen":true}.
 */
public class AllReadyServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        WorkerState state = WorkerState.of(getServletContext());
        response.setContentType("application/json");
        response.getWriter().write("{\"pid\":" + EggProcess.current().pid() + ",\"readyWorkers\":" + state.readyWorkers +
            ",\"allWorkersReady\":" + state.allWorkersReady + ",\"chosen\":" + state.chosen + "}");
    }
}
