package io.eggcluster.it;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.eggcluster.it.webapp.HooksListener;
import io.eggcluster.it.webapp.StatusServlet;
import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Message;
import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.ee10.EggServletContextListener;
import io.eggcluster.jetty.internal.messenger.ClusterMessenger;
import io.eggcluster.jetty.internal.messenger.LocalTransport;
import io.eggcluster.jetty.internal.messenger.ProcessMessenger;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The extension's webapp side in a real (embedded) Jetty 12 ee10 container, with an in-JVM messenger in place of a
 * cluster: the listener puts the messenger in the ServletContext attribute, the app's EggReadyListener runs on
 * egg-ready (and a hook registered later runs at once), and messages reach the webapp's listeners.
 */
@ExtendWith(ArquillianExtension.class)
class WebappIT
{
    private static final LocalTransport TRANSPORT = new LocalTransport(100);
    private static final ClusterMessenger WORKER = new ClusterMessenger(
        new EggProcess(Role.WORKER, 1, ProcessHandle.current().pid()), 1, TRANSPORT, 65536);
    private static final ClusterMessenger AGENT = new ClusterMessenger(new EggProcess(Role.AGENT, 0, 1), 1, TRANSPORT, 65536);
    private static final BlockingQueue<Message> HELLOS = new LinkedBlockingQueue<>();

    @Deployment(testable = false)
    static WebArchive war() throws Exception
    {
        // what a master does for a worker before its webapps deploy: the process's messenger exists
        WORKER.start();
        AGENT.start();
        TRANSPORT.register("worker-1", WORKER.self().pid());
        TRANSPORT.register("agent", AGENT.self().pid());
        ProcessMessenger.install(WORKER);
        AGENT.on("hello", HELLOS::add);
        AGENT.eggReady();
        return ShrinkWrap.create(WebArchive.class, "hooks.war")
            .addClasses(HooksListener.class, StatusServlet.class)
            .setWebXML(new StringAsset("""
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <listener><listener-class>%s</listener-class></listener>
                  <listener><listener-class>%s</listener-class></listener>
                  <servlet><servlet-name>status</servlet-name><servlet-class>%s</servlet-class></servlet>
                  <servlet-mapping><servlet-name>status</servlet-name><url-pattern>/status</url-pattern></servlet-mapping>
                </web-app>
                """.formatted(EggServletContextListener.class.getName(), HooksListener.class.getName(),
                StatusServlet.class.getName())));
    }

    @AfterAll
    static void stopMessengers() throws Exception
    {
        WORKER.stop();
        AGENT.stop();
    }

    private static String get(URL base, String path) throws IOException, InterruptedException
    {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(base.toExternalForm()).resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    @Test
    @RunAsClient
    void theListenerGivesTheMessengerAndCallsTheHooksOnEggReady(@ArquillianResource URL base) throws Exception
    {
        String before = get(base, "status");
        assertTrue(before.contains("\"attribute\":true"), before);
        assertTrue(before.contains("\"sameProcess\":true"), before);
        assertTrue(before.contains("\"attributeInListener\":true"), "the app's own listener saw it: " + before);
        assertTrue(before.contains("\"eggReadyCalls\":0"), "no egg-ready yet: " + before);

        WORKER.eggReady();
        Message hello = HELLOS.poll(10, TimeUnit.SECONDS);
        assertNotNull(hello, "the webapp's egg-ready hook sent hello to the agent");
        assertEquals("from the webapp", hello.data());
        assertEquals(Role.WORKER, hello.sender().role());
        assertTrue(get(base, "status").contains("\"eggReadyCalls\":1"));

        AGENT.sendToApp("ping", "p1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String status;
        do
        {
            status = get(base, "status");
        }
        while (!status.contains("[p1]") && System.nanoTime() < deadline);
        assertTrue(status.contains("\"pings\":\"[p1]\""), "the webapp's listener got the agent's message: " + status);

        String late = get(base, "status?late=1");
        assertTrue(late.contains("\"lateHookRanAtOnce\":true"), late);
        assertTrue(late.contains("\"eggReadyCalls\":1"), "egg-ready hooks ran once: " + late);
    }
}
