package io.eggcluster.it.wars;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * In a test WAR: a webapp that halts its JVM (exit code {@value #EXIT_CODE}) while it deploys, if the marker file
 * named in the WAR's {@code WEB-INF/halt-marker} exists: a worker that dies at once after every start, from the
 * moment a test creates the marker.
 */
public class HaltWhenMarkedListener implements ServletContextListener
{
    public static final int EXIT_CODE = 42;
    public static final String MARKER_RESOURCE = "/WEB-INF/halt-marker";

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        try (InputStream in = event.getServletContext().getResourceAsStream(MARKER_RESOURCE))
        {
            if (in == null)
                throw new IllegalStateException("no " + MARKER_RESOURCE + " in the WAR");
            Path marker = Path.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
            if (Files.exists(marker))
            {
                System.err.println("halt-war: " + marker + " exists: halting with exit code " + EXIT_CODE);
                Runtime.getRuntime().halt(EXIT_CODE);
            }
        }
        catch (IOException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
