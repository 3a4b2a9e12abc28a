package io.eggcluster.jetty.internal.admin;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.eggcluster.jetty.internal.EggSettings;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ajax.JSON;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's read-only HTTP face ({@code jetty.egg.admin.port}, bound to {@code jetty.egg.admin.host}, 127.0.0.1
 * by default): the live dashboard ({@code /}), the status as JSON ({@code /status.json}), the dashboard's chart data
 * ({@code /history.json}, see {@link StatusHistory}) and the whole cluster for Prometheus ({@code /metrics}, see
 * {@link PrometheusMetrics}). Its own small embedded {@link Server} (a few threads, one connector, core handlers only),
 * apart from the master's server and from the workers' port.
 * <p>
 * Guarantees: read-only: it serves GET and HEAD, answers 405 to any other method and 404 to any other path, and
 * changes nothing (reload, scale and stop are the control socket's). Every answer carries
 * {@code X-Content-Type-Options: nosniff}, a {@code Content-Security-Policy} of {@code default-src 'self'} (the page,
 * its script and its style come from this server only; no CDN, no inline script) and no CORS header, so no other
 * origin's page can read it. When bound to a loopback address, a request whose {@code Host} is a name other than
 * {@code localhost} is refused (403): a web page that rebinds its own DNS name to 127.0.0.1 cannot read it either.
 * Bounded: at most {@value #MAX_CONNECTIONS} connections, request headers of at most {@value #MAX_HEADER_BYTES}
 * bytes, request bodies never read. Starting fails, naming {@code jetty.egg.admin.port} and the port, when the port
 * is taken; the master then does not start.
 */
@ManagedObject("The dashboard and /metrics on jetty.egg.admin.port")
public class AdminHttp extends ContainerLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttp.class);
    static final int MAX_CONNECTIONS = 16;
    static final int MAX_HEADER_BYTES = 8192;
    static final String CONTENT_SECURITY_POLICY =
        "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final String JSON_TYPE = "application/json; charset=utf-8";

    private record Asset(String contentType, byte[] bytes)
    {
    }

    private final EggSettings.Operations operations;
    private final StatusBoard board;
    private final StatusHistory history;
    private final Server server;
    private final ServerConnector connector;
    private final Map<String, Asset> assets = new LinkedHashMap<>();
    private volatile boolean loopbackOnly;

    /**
     * @param operations where to listen ({@code adminHost}, {@code adminPort}; 0 picks a free port, for tests)
     * @param board the master's status
     */
    public AdminHttp(EggSettings.Operations operations, StatusBoard board)
    {
        this(operations, board, new StatusHistory(board, 2000, 300_000));
    }

    AdminHttp(EggSettings.Operations operations, StatusBoard board, StatusHistory history)
    {
        this.operations = operations;
        this.board = board;
        this.history = history;
        QueuedThreadPool threads = new QueuedThreadPool(6, 2);
        threads.setName("egg-admin");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        server = new DashboardServer(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setResponseHeaderSize(MAX_HEADER_BYTES);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(operations.adminHost());
        connector.setPort(operations.adminPort());
        connector.setIdleTimeout(30_000);
        connector.setName("egg-admin");
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        server.setErrorHandler(errors);
        server.setHandler(new Routes());
        // no graceful stop: a dashboard's open poll connections need not finish
        server.setStopTimeout(0);
        addBean(history);
        addBean(server);
    }

    /** @return the port it listens on, once started */
    @ManagedAttribute("The port the dashboard listens on")
    public int getPort()
    {
        return connector.getLocalPort();
    }

    @ManagedAttribute("The address the dashboard listens on")
    public String getHost()
    {
        return operations.adminHost();
    }

    /** @return the dashboard's URL, once started */
    public String url()
    {
        String host = operations.adminHost();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + getPort() + "/";
    }

    @Override
    protected void doStart() throws Exception
    {
        assets.put("/", asset("index.html", "text/html; charset=utf-8"));
        assets.put("/dashboard.js", asset("dashboard.js", "text/javascript; charset=utf-8"));
        assets.put("/dashboard.css", asset("dashboard.css", "text/css; charset=utf-8"));
        assets.put("/favicon.svg", asset("favicon.svg", "image/svg+xml"));
        loopbackOnly = isLoopback(operations.adminHost());
        try
        {
            super.doStart();
        }
        catch (Exception e)
        {
            try
            {
                super.doStop();
            }
            catch (Exception alsoFailed)
            {
                e.addSuppressed(alsoFailed);
            }
            String where = operations.adminHost() + ":" + operations.adminPort();
            if (causedBy(e, BindException.class) || causedBy(e, UnknownHostException.class))
                throw new IllegalStateException("egg-cluster: cannot serve the dashboard on " + where +
                    " (jetty.egg.admin.port=" + operations.adminPort() + ", jetty.egg.admin.host=" +
                    operations.adminHost() + "): " + rootMessage(e) + ". Stop the process that holds port " +
                    operations.adminPort() + " or choose another jetty.egg.admin.port.", e);
            throw new IllegalStateException("egg-cluster: the dashboard on " + where + " (jetty.egg.admin.port=" +
                operations.adminPort() + ") failed to start: " + rootMessage(e), e);
        }
        LOG.info("dashboard at {} (read-only; /metrics for Prometheus)", url());
    }

    private Asset asset(String name, String contentType) throws IOException
    {
        try (InputStream in = AdminHttp.class.getResourceAsStream("dashboard/" + name))
        {
            if (in == null)
                throw new IllegalStateException("egg-cluster: the dashboard's " + name + " is missing from the jar (" +
                    AdminHttp.class.getPackageName().replace('.', '/') + "/dashboard/" + name + ")");
            return new Asset(contentType, in.readAllBytes());
        }
    }

    private static boolean isLoopback(String host)
    {
        try
        {
            return InetAddress.getByName(host).isLoopbackAddress();
        }
        catch (UnknownHostException e)
        {
            return false;
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type)
    {
        for (Throwable t = e; t != null; t = t.getCause())
        {
            if (type.isInstance(t))
                return true;
            for (Throwable s : t.getSuppressed())
            {
                if (causedBy(s, type))
                    return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e)
    {
        Throwable root = e;
        while (root.getCause() != null)
            root = root.getCause();
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /**
     * @param host the Host header's value, null if none (HTTP/1.0)
     * @return whether a server bound to loopback answers it: no header, an IP literal, or {@code localhost}
     */
    static boolean loopbackHostAllowed(String host)
    {
        if (host == null)
            return true;
        String name = host.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("["))
            return name.indexOf(']') > 0;
        int colon = name.indexOf(':');
        if (colon >= 0)
            name = name.substring(0, colon);
        return name.equals("localhost") || name.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    /** Non-finite doubles (which JSON cannot carry) as null, in JSON-ready values. */
    @SuppressWarnings("unchecked")
    static Object finite(Object value)
    {
        if (value instanceof Double d && !Double.isFinite(d))
            return null;
        if (value instanceof Map<?, ?> map)
        {
            Map<String, Object> copy = new LinkedHashMap<>();
            ((Map<String, Object>)map).forEach((k, v) -> copy.put(k, finite(v)));
            return copy;
        }
        if (value instanceof List<?> list)
        {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(finite(v)));
            return copy;
        }
        return value;
    }

    private static String json(Object value)
    {
        return new JSON().toJSON(finite(value));
    }

    /**
     * Named apart, so that its "Started DashboardServer@..." line is not read as the master's "Started Server" (which
     * means egg-ready).
     */
    private static final class DashboardServer extends Server
    {
        DashboardServer(QueuedThreadPool threads)
        {
            super(threads);
        }
    }

    private class Routes extends Handler.Abstract.NonBlocking
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            response.getHeaders().put("X-Content-Type-Options", "nosniff");
            response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            response.getHeaders().put("Referrer-Policy", "no-referrer");
            response.getHeaders().put("X-Frame-Options", "DENY");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            if (loopbackOnly && !loopbackHostAllowed(request.getHeaders().get(HttpHeader.HOST)))
            {
                send(response, callback, HttpStatus.FORBIDDEN_403, "text/plain; charset=utf-8",
                    "403: this dashboard answers to 127.0.0.1 or localhost only\n");
                return true;
            }
            String path = request.getHttpURI().getPath();
            Asset asset = assets.get(path);
            boolean known = asset != null || path.equals("/status.json") || path.equals("/history.json") ||
                path.equals("/metrics");
            if (!known)
            {
                send(response, callback, HttpStatus.NOT_FOUND_404, "text/plain; charset=utf-8", "404: not found\n");
                return true;
            }
            String method = request.getMethod();
            if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method))
            {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
                send(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "text/plain; charset=utf-8",
                    "405: read-only (GET, HEAD); reload, scale and stop are bin/egg-cluster's\n");
                return true;
            }
            if (asset != null)
            {
                send(response, callback, HttpStatus.OK_200, asset.contentType(), asset.bytes());
                return true;
            }
            if (path.equals("/history.json"))
            {
                send(response, callback, HttpStatus.OK_200, JSON_TYPE, json(history.toJson()));
                return true;
            }
            ClusterStatus status = board.current();
            if (status == null)
            {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                send(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503,
                    path.equals("/metrics") ? "text/plain; charset=utf-8" : JSON_TYPE,
                    path.equals("/metrics") ? "503: the master has published no status yet\n" :
                        json(Map.of("error", "the master has published no status yet")));
                return true;
            }
            if (path.equals("/metrics"))
                send(response, callback, HttpStatus.OK_200, PrometheusMetrics.CONTENT_TYPE,
                    PrometheusMetrics.render(status));
            else
                send(response, callback, HttpStatus.OK_200, JSON_TYPE, json(status.toJson()));
            return true;
        }

        private void send(Response response, Callback callback, int status, String contentType, String body)
        {
            send(response, callback, status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }

        private void send(Response response, Callback callback, int status, String contentType, byte[] body)
        {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
