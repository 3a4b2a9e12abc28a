package io.eggcluster.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** {@code GET /hello}: {@code text/plain} {@code hello}, the HTTP benchmark's endpoint (as its peers serve it). */
public class HelloServlet extends HttpServlet
{
    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        response.setContentType("text/plain");
        response.setContentLength(HELLO.length);
        response.getOutputStream().write(HELLO);
    }
}
