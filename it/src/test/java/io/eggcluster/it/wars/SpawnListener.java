package io.eggcluster.it.wars;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: a webapp that starts processes of its own ({@code /spawn}) and forgets them: a {@code sleep}, and a
 * shell that ignores SIGTERM (so does its {@code sleep}, which inherits that).
 */
public class SpawnListener extends ServletListener
{
    @Override
    protected String path()
    {
        return "/spawn";
    }

    @Override
    protected void serve(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Process plain = new ProcessBuilder("sleep", "1000").start();
        Process stubborn = new ProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 1001").start();
        response.setContentType("application/json");
        response.getWriter().print("{\"pid\":" + ProcessHandle.current().pid() + ",\"plain\":" + plain.pid() +
            ",\"stubborn\":" + stubborn.pid() + "}");
    }
}
