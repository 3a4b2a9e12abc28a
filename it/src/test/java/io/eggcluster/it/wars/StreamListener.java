package io.eggcluster.it.wars;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.eggcluster.jetty.api.Messenger;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In a test WAR: a numbered {@code sendToApp} stream, and a record of what each process's webapp received.
 * <ul>
 *   <li>every number this webapp receives ({@code stream-n}) is appended, one a line, to
 *       {@code ${jetty.base}/stream/<pid>.txt} as it comes, unbuffered, so the record of a process outlives it;
 *       nothing is recorded once the webapp is destroyed (it no longer receives);</li>
 *   <li>{@code POST /stream/start?periodUs=1000} (the WAR is {@code stream.war}): this worker sends 1, 2, 3, ... to every worker, one every
 *       {@code periodUs} microseconds, until {@code POST /stream/stop}, which answers
 *       {@code {"pid":..,"sent":N,"refused":[..]}} (the numbers whose send threw); a worker that runs no stream
 *       answers {@code {"pid":..,"sent":-1}}.</li>
 * </ul>
 */
public class StreamListener implements ServletContextListener
{
    static final String ACTION = "stream-n";

    private FileOutputStream record;
    private volatile boolean destroyed;
    private Thread sender;
    private volatile boolean sending;
    private long sent;
    private final List<Long> refused = new ArrayList<>();

    @Override
    public void contextInitialized(ServletContextEvent event)
    {
        ServletContext context = event.getServletContext();
        Messenger messenger = (Messenger)context.getAttribute(Messenger.ATTRIBUTE);
        if (messenger == null)
            throw new IllegalStateException("stream-war: no messenger");
        try
        {
            Path dir = Files.createDirectories(Path.of(System.getProperty("jetty.base", System.getProperty("user.dir")),
                "stream"));
            record = new FileOutputStream(dir.resolve(ProcessHandle.current().pid() + ".txt").toFile(), true);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        messenger.on(ACTION, message -> received(((Number)message.data()).longValue()));
        context.addServlet("stream", new HttpServlet()
        {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
            {
                response.setContentType("application/json");
                String answer = switch (String.valueOf(request.getPathInfo()))
                {
                    case "/start" -> start(messenger, Long.parseLong(request.getParameter("periodUs")));
                    case "/stop" -> stop();
                    default -> null;
                };
                if (answer == null)
                    response.sendError(404, "POST /stream/start?periodUs=.. or /stream/stop");
                else
                    response.getWriter().print(answer);
            }
        }).addMapping("/*");
    }

    private synchronized void received(long number) throws IOException
    {
        if (destroyed)
            return;
        record.write((number + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private synchronized String start(Messenger messenger, long periodUs)
    {
        if (sender != null)
            return "{\"pid\":" + ProcessHandle.current().pid() + ",\"started\":false}";
        sending = true;
        sender = new Thread(() ->
        {
            long next = System.nanoTime();
            for (long n = 1; sending; n++)
            {
                try
                {
                    messenger.sendToApp(ACTION, n);
                }
                catch (RuntimeException e)
                {
                    synchronized (refused)
                    {
                        refused.add(n);
                    }
                }
                sent = n;
                next += TimeUnit.MICROSECONDS.toNanos(periodUs);
                LockSupport.parkNanos(next - System.nanoTime());
            }
        }, "stream-sender");
        sender.start();
        return "{\"pid\":" + ProcessHandle.current().pid() + ",\"started\":true}";
    }

    private synchronized String stop()
    {
        long pid = ProcessHandle.current().pid();
        if (sender == null)
            return "{\"pid\":" + pid + ",\"sent\":-1}";
        sending = false;
        try
        {
            sender.join();
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        synchronized (refused)
        {
            return "{\"pid\":" + pid + ",\"sent\":" + sent + ",\"refused\":" + refused + "}";
        }
    }

    @Override
    public synchronized void contextDestroyed(ServletContextEvent event)
    {
        sending = false;
        destroyed = true;
        try
        {
            record.close();
        }
        catch (IOException ignored)
        {
            // the record ends here anyway
        }
    }
}
