package io.eggcluster.it.wars;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: a careless webapp that prints what an HTTP client sent ({@code /echo?say=...}) to its standard
 * output and error, as many log a request parameter; it answers with its pid and its temp directory.
 */
public class EchoListener extends ServletListener
{
    @Override
    protected String path()
    {
        return "/echo";
    }

    @Override
    protected void serve(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        String said = request.getParameter("say");
        System.out.println(said);
        System.out.flush();
        System.err.println(said);
        response.setContentType("text/plain");
        response.getWriter().print("{\"pid\":" + ProcessHandle.current().pid() + ",\"tempdir\":\"" +
            request.getServletContext().getAttribute("jakarta.servlet.context.tempdir") + "\"}");
    }
}
