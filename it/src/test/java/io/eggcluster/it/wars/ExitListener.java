package io.eggcluster.it.wars;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** In a test WAR: {@code /exit?code=N} ends the worker's JVM with {@code System.exit(N)}, right after answering. */
public class ExitListener extends ServletListener
{
    @Override
    protected String path()
    {
        return "/exit";
    }

    @Override
    protected void serve(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        int code = Integer.parseInt(request.getParameter("code"));
        response.getWriter().print("{\"pid\":" + ProcessHandle.current().pid() + "}");
        response.flushBuffer();
        new Thread(() -> System.exit(code)).start();
    }
}
